package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.it.Gateway.multipart;
import static org.medlabel.it.Gateway.nifti;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.ml.onnx.SlowNetwork;

/**
 * Two gateway replicas in front of one stack, as the {@code prod} overlay runs them behind one Service: a batch
 * inference and a scoring run started through replica A are listed, polled and stopped through replica B, refused a
 * twin through B while they run, answered {@code run_sync} through B, and are still there after A restarts. The gateway
 * keeps no task state: the tasks live in the training service's table.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatelessGatewayIT extends LaunchedStack {

    private static final int A = Launcher.SERVICE_PORTS.get("gateway");
    private static final int B = 26810;
    private static final int IMAGES = 6;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Process replicaB;

    @Override
    Launcher newLauncher() throws Exception {
        return Launcher.fresh("replicas-it-home", "compat-app.yaml");
    }

    @BeforeAll
    void startReplicaBAndData() throws Exception {
        Path jar = launcher.repo.resolve("gateway/target/quarkus-app/quarkus-run.jar");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx192m",
                        "-XX:+UseSerialGC",
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(launcher.home.resolve("gateway-b.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(B));
        for (String service : new String[] {"datastore", "inference", "training"}) {
            env.put(
                    "MEDLABEL_GATEWAY_SERVICES_" + service.toUpperCase() + "_URL",
                    "http://127.0.0.1:" + Launcher.SERVICE_PORTS.get(service));
        }
        replicaB = builder.start();
        Awaitility.await()
                .atMost(90, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> ready(B));

        for (int i = 1; i <= IMAGES; i++) {
            MonaiWire.Reply up = multipart(
                    "PUT",
                    "/datastore/?image=p" + i,
                    Map.of(),
                    Map.of(
                            "file",
                            Map.entry(
                                    "p" + i + ".nii.gz",
                                    nifti(Phantoms.make(64, i).image()))));
            assertEquals(200, up.status(), up.text());
        }
        // a network that takes seconds per image, so the runs are still going while the test looks at them
        MonaiWire.Reply imported = multipart(
                "PUT",
                "/model/segmentation_spleen",
                Map.of(),
                Map.of("file", Map.entry("slow.onnx", SlowNetwork.onnx(100))));
        assertEquals(200, imported.status(), imported.text());
    }

    @AfterAll
    void stopReplicaB() throws Exception {
        if (replicaB != null) {
            replicaB.destroy();
            replicaB.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void aBatchStartedThroughOneReplicaIsSeenStoppedAndKeptThroughTheOther() throws Exception {
        String id = call(A, "POST", "/batch/infer/segmentation_spleen?images=all", "{}")
                .get("id")
                .asText();
        assertOneTaskAcrossReplicasUntilStopped("/batch/infer", "/batch/infer/segmentation_spleen", id, "Batch_infer");
    }

    @Test
    @Order(2)
    void aScoringRunStartedThroughOneReplicaIsSeenStoppedAndKeptThroughTheOther() throws Exception {
        String id = call(A, "POST", "/scoring/segmentation_spleen_epistemic", "{\"num_samples\": 2}")
                .get("id")
                .asText();
        assertOneTaskAcrossReplicasUntilStopped("/scoring/", "/scoring/sum", id, "Scoring");

        // run_sync through B waits for a run B did not start the tracking of (the task lives in training)
        JsonNode sum = call(B, "POST", "/scoring/sum?run_sync=true", "{}");
        assertEquals("DONE", sum.get("status").asText(), sum.toString());
        assertEquals(IMAGES, sum.get("total").asInt(), sum.toString());
        assertTrue(sum.get("result").has("p1"), sum.toString());
    }

    /**
     * The task {@code id} started through A: B lists and polls it, refuses a second one, stops it; A, restarted, still
     * lists it, ended, as the latest.
     */
    private void assertOneTaskAcrossReplicasUntilStopped(String status, String startAnother, String id, String kind)
            throws Exception {
        JsonNode running = call(B, "GET", status + "?check_if_running=true", null);
        assertEquals(id, running.get("id").asText(), running.toString());
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .until(() -> call(B, "GET", status, null).get("total").asInt() == IMAGES);
        HttpResponse<String> twin = send(B, "POST", startAnother, "{}");
        assertEquals(429, twin.statusCode(), twin.body());
        assertTrue(twin.body().contains("++++++++++ " + kind + " Task is Already Running"), twin.body());

        JsonNode stopping = call(B, "DELETE", status, null);
        assertEquals(id, stopping.get("id").asText(), stopping.toString());
        Awaitility.await()
                .atMost(60, TimeUnit.SECONDS)
                .until(() -> call(B, "GET", status, null).get("status").asText().equals("STOPPED"));
        JsonNode stopped = call(B, "GET", status, null);
        assertTrue(stopped.get("done").asInt() + stopped.get("failed").asInt() < IMAGES, stopped.toString());

        launcher.kill("gateway"); // its supervisor starts it again
        Awaitility.await()
                .atMost(90, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> ready(A));
        JsonNode afterRestart = call(A, "GET", status, null);
        assertEquals(id, afterRestart.get("id").asText(), afterRestart.toString());
        assertEquals("STOPPED", afterRestart.get("status").asText());
        JsonNode all = call(A, "GET", status + "?all=true", null);
        assertTrue(all.toString().contains(id), all.toString());
    }

    private static boolean ready(int port) {
        try {
            return send(port, "GET", "/q/health/ready", null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static JsonNode call(int port, String method, String target, String json) throws IOException {
        HttpResponse<String> reply = send(port, method, target, json);
        assertEquals(200, reply.statusCode(), method + " " + target + " on " + port + ": " + reply.body());
        return Gateway.JSON.readTree(reply.body());
    }

    private static HttpResponse<String> send(int port, String method, String target, String json) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                .timeout(Duration.ofSeconds(120))
                .method(
                        method,
                        json == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
