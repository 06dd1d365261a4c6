package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.volume.Volume;

/**
 * The README's loop as a new user runs it (its dataset, 8 phantoms of 64³, and its 10 epochs), with the shipped
 * radiology app and the launcher's own JVM settings
 * (no test app, no smaller heaps), {@code medlabel-cli} for every step — a synthetic dataset, its upload (the final
 * labels start automatic jobs for every model of the app), {@code train segmentation_spleen --max-epochs N --watch}
 * (which replaces the automatic spleen job, runs before the other models' jobs and publishes each better epoch), and
 * {@code infer} on a phantom no job saw: a trained version is served within {@link #SERVED_WITHIN} of the request and
 * beats version 0 on the held-out phantom by {@link #MARGIN}; the CLI shows the version.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirstHourIT extends LaunchedStack {

    private static final String MODEL = "segmentation_spleen";
    private static final int PHANTOMS = 8;
    private static final String HELD_OUT = "phantom_008";
    /** The README's own {@code --max-epochs}. */
    private static final int EPOCHS = 10;
    /** The README's own {@code --params}: a step per crop, MedLabel's opt-in for a fresh network on a few images. */
    private static final String PARAMS = "{\"crops_per_step\": 1}";
    /** From the train request to a trained version answering {@code infer}, on 2 cores. */
    private static final Duration SERVED_WITHIN = Duration.ofMinutes(10);
    /** How much better than version 0 the served version must segment the held-out phantom (Dice). */
    private static final double MARGIN = 0.25;

    private static final Pattern VERSION = Pattern.compile(" by " + MODEL + " version (\\d+) in ");

    @TempDir
    static Path tmp;

    private final String server = "http://127.0.0.1:" + Launcher.SERVICE_PORTS.get("gateway");
    private double versionZeroDice;

    @Override
    Launcher newLauncher() throws Exception {
        return Launcher.fresh("first-hour-it-home", null);
    }

    @Test
    @Order(1)
    void theDatasetIsUploadedAndVersionZeroSegmentsPoorly() throws Exception {
        Path studies = tmp.resolve("studies");
        Cli made = Cli.run("datasets", "--synthetic", String.valueOf(PHANTOMS), "--output", studies.toString());
        assertEquals(0, made.exit(), made.err());
        // the held-out phantom goes up without its label: no job trains on it
        Path truth = tmp.resolve("truth.nii.gz");
        Files.move(studies.resolve("labels/final/" + HELD_OUT + ".nii.gz"), truth);
        Cli uploaded = Cli.run("--server", server, "upload", "--studies", studies.toString());
        assertEquals(0, uploaded.exit(), uploaded.err());
        assertTrue(
                uploaded.out().contains(PHANTOMS + " images and " + (PHANTOMS - 1) + " labels uploaded"),
                uploaded.out());

        versionZeroDice = heldOutDice(0);
        assertTrue(versionZeroDice < 0.5, "version 0 is untrained: Dice " + versionZeroDice);
    }

    @Test
    @Order(2)
    void trainingByRequestServesABetterVersionWithinMinutes() throws Exception {
        Instant requested = Instant.now();
        Cli trained = Cli.run(
                "--server",
                server,
                "train",
                MODEL,
                "--max-epochs",
                String.valueOf(EPOCHS),
                "--params",
                PARAMS,
                "--watch",
                "--poll",
                "2");
        Duration took = Duration.between(requested, Instant.now());
        assertEquals(0, trained.exit(), trained.out() + trained.err());
        assertTrue(
                trained.out().matches("(?s)training " + MODEL + ": job \\S+ SUBMITTED \\(replaces automatic job .*"),
                "the automatic job the labels started gave way to the user's request: " + trained.out());
        Matcher served = Pattern.compile("DONE: version (\\d+) served").matcher(trained.out());
        assertTrue(served.find(), trained.out());
        int version = Integer.parseInt(served.group(1));
        assertTrue(version >= 1, trained.out());

        double dice = heldOutDice(version);
        System.out.printf(
                "first hour: %d epochs by request on the radiology app in %d s (limit %d s); held-out Dice"
                        + " version 0 %.3f -> version %d %.3f%n",
                EPOCHS, took.toSeconds(), SERVED_WITHIN.toSeconds(), versionZeroDice, version, dice);
        assertTrue(took.compareTo(SERVED_WITHIN) <= 0, "took " + took);
        assertTrue(dice >= versionZeroDice + MARGIN, "held-out Dice " + versionZeroDice + " -> " + dice);

        Cli status = Cli.run("--server", server, "status");
        assertTrue(
                status.out()
                        .matches("(?s).*model " + MODEL + " \\(segmentation\\): version " + version
                                + " served, best Dice 0\\.\\d{3} after " + EPOCHS + " epochs.*"),
                status.out());
    }

    /** The CLI's infer on the held-out phantom: it must say it used {@code version}; the label's Dice. */
    private double heldOutDice(int version) throws Exception {
        Path label = tmp.resolve("held-out-" + version + ".nii.gz");
        Cli inferred = Cli.run("--server", server, "infer", MODEL, HELD_OUT, "--output", label.toString());
        assertEquals(0, inferred.exit(), inferred.err());
        Matcher used = VERSION.matcher(inferred.out());
        assertTrue(used.find(), inferred.out());
        assertEquals(version, Integer.parseInt(used.group(1)), inferred.out());
        Volume truth = Gateway.read(Files.readAllBytes(tmp.resolve("truth.nii.gz")), "truth.nii.gz");
        return Dice.of(
                Gateway.read(Files.readAllBytes(label), label.getFileName().toString()), truth, 1);
    }
}
