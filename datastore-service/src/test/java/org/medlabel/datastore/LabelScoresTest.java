package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.InfraTestResource;

/**
 * MONAI Label's {@code dice} and {@code sum} scoring on the real head-CT labels (soft tissue 1, bone 2), against the
 * same numbers computed by nibabel and numpy from the same files.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class LabelScoresTest {

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void diceAndSumMatchNibabelOnTheHeadCtLabels(@TempDir Path tmp) throws Exception {
        String id = "score" + run;
        given().multiPart("file", "ct.nii.gz", Files.readAllBytes(DatastoreApiTest.CT))
                .put("/images/{id}", id)
                .then()
                .statusCode(200);
        // "original": the final label with the bone of the left half dropped, as a model might have missed it
        Volume label = new NiftiReader().read(DatastoreApiTest.CT_LABEL);
        for (int z = 0; z < label.nz(); z++) {
            for (int y = 0; y < label.ny(); y++) {
                for (int x = 0; x < label.nx() / 2; x++) {
                    if (label.get(x, y, z) == 2) {
                        label.voxels().set(label.index(x, y, z, 0), 0);
                    }
                }
            }
        }
        Path original = tmp.resolve("original.nii.gz");
        new NiftiWriter().write(label, original);
        given().multiPart("label", "l.nii.gz", Files.readAllBytes(DatastoreApiTest.CT_LABEL))
                .put("/images/{id}/labels/final", id)
                .then()
                .statusCode(201);
        given().multiPart("label", "o.nii.gz", Files.readAllBytes(original))
                .put("/images/{id}/labels/original", id)
                .then()
                .statusCode(201);
        JsonNode oracle = nibabel(DatastoreApiTest.CT_LABEL, original);

        double dice = oracle.get("dice").asDouble();
        assertEquals(
                dice,
                given().post("/images/{id}/scores/dice", id)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getDouble("dice"),
                1e-6);
        assertEquals(dice, given().get("/images/{id}", id).jsonPath().getDouble("info.dice"), 1e-6);
        given().post("/images/{id}/scores/sum", id)
                .then()
                .statusCode(200)
                .body("final.sum", equalTo(oracle.at("/final/0").asInt()))
                .body("final.slices", equalTo(oracle.at("/final/1").asInt()))
                .body("original.sum", equalTo(oracle.at("/original/0").asInt()))
                .body("original.slices", equalTo(oracle.at("/original/1").asInt()));
        given().get("/images/{id}/labels/original/info", id)
                .then()
                .body("sum", equalTo(oracle.at("/original/0").asInt()));

        // a missing label or image is a clear 404
        String unlabeled = "unscored" + run;
        given().multiPart("file", "ct.nii.gz", Files.readAllBytes(DatastoreApiTest.CT))
                .put("/images/{id}", unlabeled)
                .then()
                .statusCode(200);
        given().post("/images/{id}/scores/dice", unlabeled)
                .then()
                .statusCode(404)
                .body("code", equalTo("LABEL_NOT_FOUND"));
        given().post("/images/{id}/scores/sum", unlabeled)
                .then()
                .statusCode(200)
                .body("size()", equalTo(0));
        given().post("/images/{id}/scores/sum", "nope" + run).then().statusCode(404);
    }

    /** Dice, and per label [sum, non-empty slices along axis 0], by nibabel and numpy. */
    private static JsonNode nibabel(Path finalLabel, Path original) throws Exception {
        String script = String.join(
                "\n",
                "import json, sys, nibabel as nib, numpy as np",
                "y = np.asarray(nib.load(sys.argv[1]).dataobj, dtype=np.float64)",
                "p = np.asarray(nib.load(sys.argv[2]).dataobj, dtype=np.float64)",
                "per = lambda a: [int(a.sum()), int((a.reshape(a.shape[0], -1) != 0).any(axis=1).sum())]",
                "print(json.dumps({'dice': 2 * (y * p).sum() / (y.sum() + p.sum()), 'final': per(y),"
                        + " 'original': per(p)}))");
        Process python = new ProcessBuilder("python3", "-c", script, finalLabel.toString(), original.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.waitFor(), out);
        return new ObjectMapper().readTree(out);
    }
}
