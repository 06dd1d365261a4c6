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
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.imaging.io.NiftiReader;
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
 * (MedLabel imports the reference's {@code init.pt}) on the same phantoms, split alike, at a test's size (the model's
 * 32³ crops, 64³ validation windows). Both validate the initial weights alike, and after the same epochs MedLabel's
 * validation Dice (the mean of the last three epochs) is at least the reference's − 0.05. bench/training-parity runs it
 * at full size through the system properties below, and for a DeepEdit model against MONAI's spleen DeepEdit bundle
 * ({@code reference_deepedit_trainer.py}: validation with simulated clicks on both sides).
 */
@QuarkusTest
@TestProfile(WorkerProfile.class)
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeDatastore.class)
class TrainingParityTest {

    /**
     * The test's model by default; bench/training-parity sets these for the full size (the radiology app's
     * segmentation_spleen, or the test app's spleen_deepedit_parity, on CT phantoms) and a report file for the curves.
     */
    private static final String MODEL = System.getProperty("parity.model", "spleen_parity");

    private static final int VAL_ROI = Integer.getInteger("parity.val-roi", 64);
    private static final int EPOCHS = Integer.getInteger("parity.epochs", 12);
    /** A datalist (JSON list of {image, label} paths); the default: 10 phantoms of 64³. */
    private static final String DATALIST = System.getProperty("parity.datalist");

    private static final String REPORT = System.getProperty("parity.report");
    /** Both sides' random crops and augmentation, so that a run repeats (the two draw differently from it). */
    private static final int SEED = Integer.getInteger("parity.seed", 7);
    /** The reference for a DeepEdit model: MONAI's spleen DeepEdit bundle. */
    private static final Path DEEPEDIT_BUNDLE = Path.of(
            System.getProperty("medlabel.shared.bundles", "../../shared/bundles"), "spleen_deepedit_annotation");

    private static final int PHANTOMS = 10;
    private static final int SIZE = 64;
    private static final Pattern BASELINE = Pattern.compile("scores validation Dice ([0-9.]+)");
    private static final Pattern EPOCH = Pattern.compile(
            "^epoch (\\d+)/\\d+: loss [0-9.]+, validation Dice ([0-9.]+) .* in ([0-9.]+) s \\(training");

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
        ObjectMapper json = new ObjectMapper();
        Path list = DATALIST != null ? Path.of(DATALIST) : phantoms(json);
        NiftiReader reader = new NiftiReader(1L << 28);
        int n = 0;
        for (JsonNode c : json.readTree(list.toFile())) {
            FakeDatastore.add(
                    String.format("case_%03d", ++n),
                    reader.read(Path.of(c.get("image").asText())),
                    reader.read(Path.of(c.get("label").asText())));
        }

        Path out = tmp.resolve("reference");
        ModelDefinition model = app.models().get(MODEL);
        int size = model.trainingSettings().patch().get(0);
        if (model.type() == ModelType.DEEPEDIT) {
            // MONAI's DeepEdit bundle at the model's size (its spatial_size: our patch, the whole resized image)
            PythonOracle.run(
                    "reference_deepedit_trainer.py",
                    DEEPEDIT_BUNDLE,
                    list,
                    out,
                    "--epochs",
                    EPOCHS,
                    "--size",
                    size,
                    "--seed",
                    SEED);
        } else {
            PythonOracle.run(
                    "reference_trainer.py",
                    list,
                    out,
                    "--epochs",
                    EPOCHS,
                    "--roi",
                    size,
                    "--val-roi",
                    VAL_ROI,
                    "--seed",
                    SEED);
        }
        JsonNode referenceCurve = json.readTree(out.resolve("curve.json").toFile());
        List<Double> reference = new ArrayList<>();
        for (JsonNode e : referenceCurve) {
            reference.add(e.get("val_dice").asDouble());
        }

        // version 1: MONAI's initial weights, imported as a user's PUT /model would
        models.write(
                ModelStore.key(MODEL, 1),
                NetworkFactory.fromCheckpoint(MODEL, model, out.resolve("init.pt"))
                        .toByteArray());
        List<double[]> ours = train(Map.of("max_epochs", EPOCHS, "seed", SEED));
        // bench/training-parity also times MedLabel's opt-in (a step per crop) from the same start
        List<double[]> perCrop = Boolean.getBoolean("parity.per-crop")
                ? train(Map.of("max_epochs", EPOCHS, "seed", SEED, "crops_per_step", 1))
                : List.of();

        System.out.printf(
                "training parity: %s, %d cases, %d³ %s, validation Dice per epoch%n",
                MODEL, n, size, model.type() == ModelType.DEEPEDIT ? "images, clicks as MONAI's DeepEdit" : "crops");
        System.out.printf("epoch  MONAI   MedLabel%n");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int e = 0; e < reference.size() && e < ours.size(); e++) {
            System.out.printf("%5d  %.4f  %.4f%n", e, reference.get(e), ours.get(e)[0]);
            JsonNode r = referenceCurve.get(e);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", e);
            row.put("monai_dice", reference.get(e));
            row.put("medlabel_dice", ours.get(e)[0]);
            row.put(
                    "monai_seconds",
                    r.get("train_seconds").asDouble() + r.get("val_seconds").asDouble());
            row.put("medlabel_seconds", ours.get(e)[1]);
            if (e < perCrop.size()) {
                row.put("per_crop_dice", perCrop.get(e)[0]);
                row.put("per_crop_seconds", perCrop.get(e)[1]);
            }
            rows.add(row);
        }
        if (REPORT != null) {
            json.writerWithDefaultPrettyPrinter().writeValue(Path.of(REPORT).toFile(), rows);
        }
        assertEquals(EPOCHS + 1, ours.size(), "an initial and a per-epoch Dice in the job's log");
        List<Double> dice = ours.stream().map(d -> d[0]).toList();
        assertEquals(reference.get(0), dice.get(0), 0.02, "the same initial weights validate alike");
        assertTrue(
                last(dice) >= last(reference) - 0.05,
                "MedLabel " + last(dice) + " after " + EPOCHS + " epochs, MONAI's reference " + last(reference));
    }

    /**
     * A job by request from version 1 (MONAI's initial weights; versions earlier jobs published are dropped first): the
     * initial weights' validation Dice and each epoch's, with the epoch's seconds.
     */
    private List<double[]> train(Map<String, Object> params) throws InterruptedException {
        for (var v = models.latestVersion(MODEL); v.isPresent() && v.getAsInt() > 1; v = models.latestVersion(MODEL)) {
            models.deleteQuietly(ModelStore.key(MODEL, v.getAsInt()));
        }
        String id = given().contentType("application/json")
                .body(params)
                .post("/jobs/" + MODEL)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        Job job = TrainingData.awaitEnd(store, UUID.fromString(id), Duration.ofMinutes(30));
        assertEquals(JobStatus.DONE, job.status(), "details: " + job.details() + ", error: " + job.error());
        return curve(job.details());
    }

    /** The initial weights' validation Dice, then each epoch's, with the epoch's seconds, from the job's log. */
    private static List<double[]> curve(List<String> details) {
        List<double[]> dice = new ArrayList<>();
        for (String line : details) {
            Matcher baseline = BASELINE.matcher(line);
            Matcher epoch = EPOCH.matcher(line);
            if (baseline.find()) {
                dice.add(new double[] {Double.parseDouble(baseline.group(1)), 0});
            } else if (epoch.find()) {
                dice.add(new double[] {Double.parseDouble(epoch.group(2)), Double.parseDouble(epoch.group(3))});
            }
        }
        return dice;
    }

    /** {@link #PHANTOMS} phantoms of {@link #SIZE}³ written as NIfTI, with their datalist. */
    private Path phantoms(ObjectMapper json) throws Exception {
        List<Map<String, String>> datalist = new ArrayList<>();
        NiftiWriter writer = new NiftiWriter();
        for (int i = 1; i <= PHANTOMS; i++) {
            Phantoms.Phantom p = Phantoms.make(SIZE, 100 + i);
            Path image = tmp.resolve("phantom_" + i + ".nii.gz");
            Path label = tmp.resolve("phantom_" + i + "_label.nii.gz");
            writer.write(p.image(), image);
            writer.write(p.label(), label);
            datalist.add(Map.of("image", image.toString(), "label", label.toString()));
        }
        Path list = tmp.resolve("datalist.json");
        json.writeValue(list.toFile(), datalist);
        return list;
    }

    /** The mean of the last three epochs: one epoch's Dice on two validation cases is noisy. */
    private static double last(List<Double> curve) {
        return curve.subList(curve.size() - 3, curve.size()).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
    }
}
