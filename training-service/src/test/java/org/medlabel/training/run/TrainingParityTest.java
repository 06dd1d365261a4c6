package org.medlabel.training.run;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.api.event.JobStatus;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.platform.objectstore.Bucket;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.PythonOracle;
import org.medlabel.training.FakeDatastore;
import org.medlabel.training.TrainingData;
import org.medlabel.training.WorkerProfile;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobStore;

/**
 * Learning parity with MONAI: MONAI Label's segmentation_spleen trainer run by MONAI ({@code reference_trainer.py})
 * and MedLabel's training service (a job by request, as deployed) train the same UNet from the same initial weights
 * (MedLabel imports the reference's {@code init.pt}) on the same phantoms, split alike, at a test's size (32³ crops,
 * 64³ validation windows). Both validate the initial weights alike, and after the same epochs MedLabel's validation
 * Dice is at least the reference's − 0.05. bench/training-parity runs the full size.
 */
@QuarkusTest
@TestProfile(WorkerProfile.class)
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeDatastore.class)
class TrainingParityTest {

    private static final String MODEL = "spleen_parity";
    private static final int CASES = 10;
    private static final int SIZE = 64;
    private static final int EPOCHS = 12;
    private static final Pattern BASELINE = Pattern.compile("scores validation Dice ([0-9.]+)");
    private static final Pattern EPOCH = Pattern.compile("^epoch (\\d+)/\\d+: loss [0-9.]+, validation Dice ([0-9.]+)");

    @Inject
    DataSource dataSource;

    @Inject
    JobStore store;

    @Inject
    ModelStore models;

    @Inject
    Bucket bucket;

    @Inject
    AppDefinition app;

    @TempDir
    Path tmp;

    @Test
    void medLabelLearnsAsMonaiLabelsTrainerFromTheSameStart() throws Exception {
        TrainingData.reset(dataSource);
        bucket.ensureExists();
        for (var v = models.latestVersion(MODEL); v.isPresent(); v = models.latestVersion(MODEL)) {
            models.deleteQuietly(ModelStore.key(MODEL, v.getAsInt()));
        }
        List<Map<String, String>> datalist = new ArrayList<>();
        NiftiWriter writer = new NiftiWriter();
        for (int i = 1; i <= CASES; i++) {
            String id = String.format("case_%02d", i);
            Phantoms.Phantom p = Phantoms.make(SIZE, 100 + i);
            FakeDatastore.add(id, p.image(), p.label());
            Path image = tmp.resolve(id + ".nii.gz");
            Path label = tmp.resolve(id + "_label.nii.gz");
            writer.write(p.image(), image);
            writer.write(p.label(), label);
            datalist.add(Map.of("image", image.toString(), "label", label.toString()));
        }
        ObjectMapper json = new ObjectMapper();
        Path list = tmp.resolve("datalist.json");
        json.writeValue(list.toFile(), datalist);

        Path out = tmp.resolve("reference");
        PythonOracle.run(
                "reference_trainer.py", list, out, "--epochs", EPOCHS, "--roi", 32, "--val-roi", SIZE, "--seed", 7);
        List<Double> reference = new ArrayList<>();
        for (JsonNode e : json.readTree(out.resolve("curve.json").toFile())) {
            reference.add(e.get("val_dice").asDouble());
        }

        // version 1: MONAI's initial weights, imported as a user's PUT /model would
        models.write(
                ModelStore.key(MODEL, 1),
                NetworkFactory.fromCheckpoint(MODEL, app.models().get(MODEL), out.resolve("init.pt"))
                        .toByteArray());
        String id = given().contentType("application/json")
                .body(Map.of("max_epochs", EPOCHS))
                .post("/jobs/" + MODEL)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        Job job = await(UUID.fromString(id));
        assertEquals(JobStatus.DONE, job.status(), "details: " + job.details() + ", error: " + job.error());
        List<Double> ours = curve(job.details());

        System.out.printf("training parity (%d phantoms of %d³, 32³ crops), validation Dice per epoch%n", CASES, SIZE);
        System.out.printf("epoch  MONAI   MedLabel%n");
        for (int e = 0; e < reference.size(); e++) {
            System.out.printf(
                    "%5d  %.4f  %s%n", e, reference.get(e), e < ours.size() ? "%.4f".formatted(ours.get(e)) : "-");
        }
        assertEquals(EPOCHS + 1, ours.size(), "an initial and a per-epoch Dice in the job's log: " + job.details());
        assertEquals(reference.get(0), ours.get(0), 0.02, "the same initial weights validate alike");
        assertTrue(
                last(ours) >= last(reference) - 0.05,
                "MedLabel " + last(ours) + " after " + EPOCHS + " epochs, MONAI's reference " + last(reference));
    }

    /** The initial weights' validation Dice, then each epoch's, from the job's log. */
    private static List<Double> curve(List<String> details) {
        List<Double> dice = new ArrayList<>();
        for (String line : details) {
            Matcher baseline = BASELINE.matcher(line);
            Matcher epoch = EPOCH.matcher(line);
            if (baseline.find()) {
                dice.add(Double.parseDouble(baseline.group(1)));
            } else if (epoch.find()) {
                dice.add(Double.parseDouble(epoch.group(2)));
            }
        }
        return dice;
    }

    /** The mean of the last three epochs: one epoch's Dice on two validation cases is noisy. */
    private static double last(List<Double> curve) {
        return curve.subList(curve.size() - 3, curve.size()).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
    }

    private Job await(UUID id) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
        Job job = store.get(id).orElseThrow();
        while (!job.status().isTerminal() && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
            job = store.get(id).orElseThrow();
        }
        return job;
    }
}
