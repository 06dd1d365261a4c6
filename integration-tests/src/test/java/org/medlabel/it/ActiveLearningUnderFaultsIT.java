package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.it.Gateway.GATEWAY;
import static org.medlabel.it.Gateway.JSON;
import static org.medlabel.it.Gateway.get;
import static org.medlabel.it.Gateway.json;
import static org.medlabel.it.Gateway.multipart;
import static org.medlabel.it.Gateway.nifti;
import static org.medlabel.it.Gateway.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.imaging.volume.Volume;

/**
 * The active-learning loop through MONAI Label's API on the whole native stack (PostgreSQL, Kafka, S3, the four
 * services, started by {@code deploy/local/medlabel}), with a fault injected at each step: labels saved while Kafka is
 * down, the training worker SIGKILLed mid-job, the inference service SIGKILLed during requests, PostgreSQL restarted
 * under the running services, the datastore SIGKILLed mid-upload. What must hold each time: nothing a client saved is
 * lost, nothing is counted or published twice, and a client gets either the right answer or a clear error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ActiveLearningUnderFaultsIT extends LaunchedStack {

    private static final String MODEL = "segmentation_spleen";
    /** The app's training threshold (it-app.yaml): the 7th final label starts a job. */
    private static final int LABELLED = 7;
    /** The held-out image, never labelled: the loop's Dice is measured on it. */
    private static final String HELD_OUT = "ph-9";
    /** The stated goal of the loop: version 0 (random) is useless; one training round must reach this. */
    private static final double TARGET_DICE = 0.6;

    private double versionZeroDice;

    @Override
    Launcher newLauncher() throws Exception {
        // A short lease: a killed worker's job is taken over seconds (not a minute) after its restart.
        return Launcher.fresh("faults-it-home", "it-app.yaml")
                .withEnv("MEDLABEL_TRAINING_LEASE", "6s")
                .withEnv("MEDLABEL_TRAINING_HEARTBEAT", "1s");
    }

    @Test
    @Order(1)
    void versionZeroSegmentsTheHeldOutImagePoorly() throws Exception {
        for (int i = 1; i <= 9; i++) {
            MonaiWire.Reply uploaded = multipart(
                    "PUT",
                    "/datastore/?image=ph-" + i,
                    Map.of("params", "{}"),
                    Map.of(
                            "file",
                            Map.entry("ph-" + i + ".nii.gz", nifti(phantom(i).image()))));
            assertEquals(200, uploaded.status(), uploaded.text());
        }
        Inferred result = infer(HELD_OUT);
        assertEquals(0, result.version());
        versionZeroDice = Dice.of(result.label(), phantom(9).label(), 1);
        assertTrue(versionZeroDice < TARGET_DICE - 0.3, "version 0 is untrained: Dice " + versionZeroDice);
    }

    @Test
    @Order(2)
    void labelsSavedWhileKafkaIsDownReachTrainingExactlyOnceAfterItReturns() throws Exception {
        assertEquals(
                0, launcher.run(Duration.ofMinutes(1), "infra", "stop", "kafka").exitCode());
        for (int i = 1; i <= LABELLED; i++) {
            assertEquals(
                    200, saveFinalLabel("ph-" + i, nifti(phantom(i).label())).status());
        }
        // Saved (object, row and outbox event) without Kafka; the events wait in the outbox.
        assertEquals(
                String.valueOf(LABELLED), launcher.sql("SELECT count(*) FROM datastore.labels WHERE tag = 'final'"));
        assertEquals(
                String.valueOf(LABELLED),
                launcher.sql(
                        "SELECT count(*) FROM datastore.outbox WHERE sent_at IS NULL AND topic = 'medlabel.labels'"));
        assertEquals("0", launcher.sql("SELECT count(*) FROM training.jobs"));

        assertEquals(
                0,
                launcher.run(Duration.ofMinutes(2), "infra", "start", "kafka").exitCode());
        Awaitility.await()
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> launcher.sql("SELECT count(*) FROM training.jobs").equals("1"));
        assertEquals(String.valueOf(LABELLED), launcher.sql("SELECT count(*) FROM training.processed_events"));
        assertEquals("labels", launcher.sql("SELECT trigger FROM training.jobs"));
        assertEquals("0", launcher.sql("SELECT count(*) FROM datastore.outbox WHERE sent_at IS NULL"));
    }

    @Test
    @Order(3)
    void aTrainingWorkerKilledMidJobIsRestartedResumesTheJobAndPublishesEachVersionOnce() throws Exception {
        Awaitility.await()
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> launcher.sql("SELECT status || ' ' || epoch FROM training.jobs"),
                        s -> s.matches("RUNNING [1-9]\\d*|DONE \\d+|ERROR \\d+"));
        String killedAt = launcher.sql("SELECT status || ' epoch ' || epoch FROM training.jobs");
        assertTrue(killedAt.startsWith("RUNNING"), "the job must still run when its worker is killed: " + killedAt);
        launcher.kill("training");
        Instant killed = Instant.now();

        // No `start`: the supervisor brings the worker back, which resumes its job at once (a stable worker id).
        // Meanwhile every answer about the job is true: RUNNING only within the lease of the kill, or once resumed.
        List<String> seen = new ArrayList<>();
        JsonNode job = Awaitility.await()
                .atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            MonaiWire.Reply reply = get("/train/");
                            if (reply.status() != 200) {
                                return null; // the training service is down: the gateway says so
                            }
                            JsonNode t = json(reply);
                            String status = t.path("status").asText();
                            long since = Duration.between(killed, Instant.now()).toSeconds();
                            if (seen.isEmpty() || !seen.get(seen.size() - 1).startsWith(status)) {
                                seen.add(status + " at " + since + " s, attempt "
                                        + t.path("attempt").asInt());
                            }
                            assertTrue(
                                    !status.equals("RUNNING")
                                            || since <= 8
                                            || t.path("attempt").asInt() == 2,
                                    "a job on a dead worker shown as RUNNING " + since + " s after the kill: " + t);
                            return t;
                        },
                        t -> t != null
                                && List.of("DONE", "ERROR", "STOPPED")
                                        .contains(t.path("status").asText()));
        assertEquals("DONE", job.path("status").asText(), job.toString());
        assertEquals("2", launcher.sql("SELECT attempts FROM training.jobs"), "taken over once after the kill");
        assertTrue(
                job.path("details").toString().contains("resumed after epoch "), "resumed from its checkpoint: " + job);
        Launcher.Result status = launcher.run(Duration.ofSeconds(60), "status");
        assertTrue(status.output().contains("restarted 1 times"), status.output());
        // The redelivered events (the killed consumer had not committed them all) counted nothing again.
        assertEquals("1", launcher.sql("SELECT count(*) FROM training.jobs"));
        assertEquals(String.valueOf(LABELLED), launcher.sql("SELECT count(*) FROM training.processed_events"));
        // Each improved epoch published one version, counting from 1 without gaps; the job names the best.
        String versions = launcher.sql(
                "SELECT count(*) || ' ' || max(version) FROM training.model_versions WHERE model = '" + MODEL + "'");
        int version = job.path("version").asInt();
        assertEquals(versions.split(" ")[0], versions.split(" ")[1], "versions 1..N: " + versions);
        assertEquals(String.valueOf(version), versions.split(" ")[1], "the job's version is its best, the last one");

        Inferred served = Awaitility.await()
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> infer(HELD_OUT), r -> r.version() == version);
        double trained = Dice.of(served.label(), phantom(9).label(), 1);
        System.out.printf(
                "active-learning loop: worker killed at %s; job states seen after: %s; version %d served %d s after"
                        + " the kill; held-out Dice %.3f -> %.3f (target %.2f)%n",
                killedAt,
                seen,
                version,
                Duration.between(killed, Instant.now()).toSeconds(),
                versionZeroDice,
                trained,
                TARGET_DICE);
        assertTrue(trained >= TARGET_DICE, "held-out Dice " + versionZeroDice + " -> " + trained);
    }

    @Test
    @Order(4)
    void killingInferenceDuringRequestsGivesTheRightAnswerOrAClearError() throws Exception {
        Volume expected = infer(HELD_OUT).label();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService annotators = Executors.newFixedThreadPool(3);
        List<Future<Map<String, Integer>>> outcomes = new ArrayList<>();
        for (int a = 0; a < 3; a++) {
            outcomes.add(annotators.submit(() -> {
                Map<String, Integer> seen = new TreeMap<>();
                while (!stop.get()) {
                    MonaiWire.Reply reply = inferReply(HELD_OUT);
                    String outcome = "200";
                    if (reply.status() == 200) {
                        assertTrue(sameVoxels(expected, parseAll(reply).label()), "a wrong answer");
                    } else {
                        String detail =
                                JSON.readTree(reply.body()).path("detail").asText();
                        assertFalse(detail.isBlank(), reply.status() + " without a detail: " + reply.text());
                        assertTrue(reply.status() == 502 || reply.status() == 503, reply.status() + " " + detail);
                        outcome = reply.status() + " " + detail;
                        // as a client should: wait before the next try (the gateway's Retry-After is seconds)
                        Thread.sleep(200);
                    }
                    seen.merge(outcome, 1, Integer::sum);
                }
                return seen;
            }));
        }
        Thread.sleep(1500);
        launcher.kill("inference");
        Thread.sleep(1500);
        stop.set(true);
        Map<String, Integer> all = new TreeMap<>();
        for (Future<Map<String, Integer>> outcome : outcomes) {
            outcome.get().forEach((k, v) -> all.merge(k, v, Integer::sum));
        }
        annotators.shutdown();
        System.out.println("requests around the inference kill: " + all);
        assertTrue(all.containsKey("200"), "requests were answered before the kill");
        assertTrue(all.size() > 1, "requests during the outage were refused");

        assertEquals(0, launcher.run(Launcher.START_TIMEOUT, "start").exitCode());
        assertTrue(
                sameVoxels(expected, inferAsAClientRetries(HELD_OUT).label()),
                "the restarted replica serves the same model");
    }

    @Test
    @Order(5)
    void aPostgresRestartIsSurvivedWithoutRestartingAService() throws Exception {
        Map<String, Long> pids = launcher.servicePids();
        assertEquals(
                0,
                launcher.run(Duration.ofMinutes(1), "infra", "stop", "postgres").exitCode());

        MonaiWire.Reply refused = saveFinalLabel("ph-8", nifti(phantom(8).label()));
        assertEquals(503, refused.status(), refused.text());
        assertFalse(JSON.readTree(refused.body()).path("detail").asText().isBlank(), refused.text());

        assertEquals(
                0,
                launcher.run(Duration.ofMinutes(1), "infra", "start", "postgres")
                        .exitCode());
        assertEquals("0", launcher.sql("SELECT count(*) FROM datastore.labels WHERE image_id = 'ph-8'"));
        Awaitility.await()
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> get("/q/health/ready").status() == 200);
        assertEquals(pids, launcher.servicePids(), "no service was restarted");
        assertEquals(200, saveFinalLabel("ph-8", nifti(phantom(8).label())).status());
        assertEquals(200, get("/datastore/label?label=ph-8&tag=final").status());
        assertEquals(200, get("/train/").status());
    }

    @Test
    @Order(6)
    void killingTheDatastoreMidLabelUploadLeavesNoPartialLabelAndARetrySucceeds() throws Exception {
        byte[] label = nifti(phantom(9).label());
        byte[] body = MonaiWire.encode(
                Map.of("params", "{}"), Map.of("label", Map.entry("ph-9.nii.gz", padded(label, 48 << 20))));
        String target = "/datastore/label?image=" + HELD_OUT + "&tag=final";
        byte[] request =
                MonaiWire.request("PUT", target, GATEWAY, "multipart/form-data; boundary=" + MonaiWire.BOUNDARY, body);
        String answer;
        try (Socket socket = new Socket("127.0.0.1", GATEWAY)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(request, 0, request.length / 4);
            out.flush();
            Thread.sleep(500);
            launcher.kill("datastore");
            answer = statusLine(socket.getInputStream());
        }
        assertTrue(answer.startsWith("HTTP/1.1 502") || answer.startsWith("HTTP/1.1 503"), answer);

        assertEquals(0, launcher.run(Launcher.START_TIMEOUT, "start").exitCode());
        assertEquals(
                404, get("/datastore/label?label=" + HELD_OUT + "&tag=final").status());
        assertEquals("0", launcher.sql("SELECT count(*) FROM datastore.labels WHERE image_id = '" + HELD_OUT + "'"));

        MonaiWire.Reply retried = saveFinalLabel(HELD_OUT, label);
        assertEquals(200, retried.status(), retried.text());
        MonaiWire.Reply stored = get("/datastore/label?label=" + HELD_OUT + "&tag=final");
        assertTrue(java.util.Arrays.equals(label, stored.body()), "the retried label is stored whole");
    }

    private record Inferred(int version, Volume label) {}

    private static Phantoms.Phantom phantom(int i) {
        return Phantoms.make(48, 40 + i);
    }

    private static MonaiWire.Reply saveFinalLabel(String image, byte[] label) throws IOException {
        return multipart(
                "PUT",
                "/datastore/label?image=" + image + "&tag=final",
                Map.of("params", "{\"model\": \"" + MODEL + "\"}"),
                Map.of("label", Map.entry(image + ".nii.gz", label)));
    }

    private static MonaiWire.Reply inferReply(String image) throws IOException {
        return multipart(
                "POST", "/infer/" + MODEL + "?image=" + image + "&output=all", Map.of("params", "{}"), Map.of());
    }

    /**
     * As a client does after an outage: the gateway's circuit to the restarted service may still be open for its delay,
     * answering 503 with a Retry-After, which is waited for (at most a minute in all).
     */
    private static Inferred inferAsAClientRetries(String image) throws Exception {
        long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        MonaiWire.Reply reply = inferReply(image);
        while (reply.status() == 503 && System.nanoTime() < until) {
            String retryAfter = reply.header("retry-after");
            assertNotNull(retryAfter, "a 503 without Retry-After: " + reply.text());
            Thread.sleep(Math.max(1, Long.parseLong(retryAfter.trim())) * 1000);
            reply = inferReply(image);
        }
        assertEquals(200, reply.status(), reply.text());
        return parseAll(reply);
    }

    private static Inferred infer(String image) throws IOException {
        MonaiWire.Reply reply = inferReply(image);
        assertEquals(200, reply.status(), reply.text());
        return parseAll(reply);
    }

    /** MONAI Label's {@code output=all}: the result JSON and the label file in one multipart answer. */
    private static Inferred parseAll(MonaiWire.Reply reply) throws IOException {
        int version = -1;
        Volume label = null;
        for (MonaiWire.Part part : MonaiWire.parse(reply.header("content-type"), reply.body())) {
            if (part.filename() == null) {
                version = JSON.readTree(part.data()).path("model_version").asInt(-1);
            } else {
                label = read(part.data(), part.filename());
            }
        }
        return new Inferred(version, label);
    }

    private static boolean sameVoxels(Volume a, Volume b) {
        if (a.voxelCount() != b.voxelCount()) {
            return false;
        }
        for (int i = 0; i < a.voxelCount(); i++) {
            if (a.voxels().get(i) != b.voxels().get(i)) {
                return false;
            }
        }
        return true;
    }

    /** A gzip NIfTI followed by zero bytes: a large upload whose first bytes are a valid label. */
    private static byte[] padded(byte[] label, int size) {
        return java.util.Arrays.copyOf(label, Math.max(size, label.length));
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.append((char) b);
        }
        return line.toString().trim();
    }
}
