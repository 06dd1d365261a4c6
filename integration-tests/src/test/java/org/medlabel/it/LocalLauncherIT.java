package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's start command, end to end: {@code deploy/local/medlabel start} brings up PostgreSQL, Kafka, S3 and the
 * four packaged services; readiness follows the real infrastructure down and up again; {@code stop} leaves no
 * process behind; a second start finds the data of the first; a datastore killed mid-upload leaves no half-visible
 * image; inference segments a stored image. The active-learning loop under faults is {@link ActiveLearningUnderFaultsIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalLauncherIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Launcher launcher;

    @BeforeAll
    void freshHome() throws IOException {
        launcher = Launcher.fresh("launcher-it-home", "it-app.yaml");
    }

    @AfterAll
    void stopEverything() throws Exception {
        launcher.run(Duration.ofMinutes(2), "stop");
    }

    @Test
    @Order(1)
    void startBringsUpTheInfrastructureAndAllFourServices() throws Exception {
        Launcher.Result start = launcher.run(Launcher.START_TIMEOUT, "start");
        assertEquals(0, start.exitCode(), start.output());
        assertTrue(start.output().contains("MedLabel is ready"), start.output());
        assertTrue(
                start.output().contains("http://127.0.0.1:" + Launcher.SERVICE_PORTS.get("gateway")), start.output());

        JsonNode ready = readiness("gateway");
        assertEquals("UP", ready.path("status").asText(), ready.toString());
        assertEquals(Map.of("datastore", "UP", "inference", "UP", "training", "UP"), servicesData(ready));
        assertEquals(
                200, get(Launcher.SERVICE_PORTS.get("gateway"), "/q/openapi").statusCode());

        Launcher.Result status = launcher.run(Duration.ofSeconds(60), "status");
        for (String name : List.of("postgres", "kafka", "s3")) {
            assertTrue(status.output().matches("(?s).*" + name + " .*running \\(pid \\d+\\).*"), status.output());
        }
        assertEquals(4, status.output().split(", ready", -1).length - 1, status.output());
    }

    @Test
    @Order(2)
    void startRebuildsForTheServicesSourcesOnlyAndNeverUnderRunningServices() throws Exception {
        Path repo = launcher.repo;
        FileTime built = Files.getLastModifiedTime(repo.resolve("training-service/target/quarkus-app/quarkus-run.jar"));
        FileTime later = FileTime.from(built.toInstant().plusSeconds(60));
        // what the CLI's build writes (generated sources, their pom.xml) and the CLI's own sources are not the
        // services'
        Path generated = repo.resolve("clients/java/target/launcher-it-probe/src/main/java/Probe.java");
        Path cli = repo.resolve("cli/src/main/java/org/medlabel/cli/MedLabelCli.java");
        Path service = repo.resolve("training-service/src/main/resources/application.properties");
        FileTime cliTime = Files.getLastModifiedTime(cli);
        FileTime serviceTime = Files.getLastModifiedTime(service);
        launcher.withEnv("MEDLABEL_BUILD", "auto");
        try {
            Files.createDirectories(generated.getParent());
            Files.writeString(generated, "class Probe {}");
            Files.writeString(generated.resolveSibling("pom.xml"), "<project/>");
            Files.setLastModifiedTime(generated, later);
            Files.setLastModifiedTime(cli, later);
            Launcher.Result untouched = launcher.run(Launcher.START_TIMEOUT, "start");
            assertEquals(0, untouched.exitCode(), untouched.output());
            assertFalse(untouched.output().contains("building"), untouched.output());

            Files.setLastModifiedTime(service, later);
            Launcher.Result refused = launcher.run(Launcher.START_TIMEOUT, "start");
            assertEquals(1, refused.exitCode(), refused.output());
            assertTrue(
                    refused.output()
                            .contains("the sources changed since the running services were built; not rebuilding under"
                                    + " them (datastore inference training gateway)"),
                    refused.output());
            assertEquals("UP", readiness("gateway").path("status").asText(), "the running services are untouched");
        } finally {
            launcher.withEnv("MEDLABEL_BUILD", "never");
            Files.setLastModifiedTime(cli, cliTime);
            Files.setLastModifiedTime(service, serviceTime);
            Launcher.deleteRecursively(repo.resolve("clients/java/target/launcher-it-probe"));
        }
    }

    @Test
    @Order(2)
    void readinessFollowsTheRealInfrastructureDownAndUp() throws Exception {
        launcher.sql("CREATE TABLE launcher_it_marker (id int)");
        Map<String, Long> servicePids = launcher.servicePids();
        Launcher.Result stopInfra = launcher.run(Duration.ofMinutes(2), "infra", "stop");
        assertEquals(0, stopInfra.exitCode(), stopInfra.output());

        assertFailingChecks("datastore", "Database connections health check", "kafka", "object-store");
        // inference and training also use Kafka through Reactive Messaging: its own check goes down with it
        assertFailingChecks(
                "training",
                "Database connections health check",
                "SmallRye Reactive Messaging - readiness check",
                "kafka",
                "object-store");
        assertFailingChecks("inference", "SmallRye Reactive Messaging - readiness check", "kafka", "object-store");
        JsonNode gateway = readiness("gateway");
        assertEquals("DOWN", gateway.path("status").asText());
        assertTrue(servicesData(gateway).get("datastore").startsWith("DOWN (HTTP 503: "), gateway.toString());

        // start is idempotent: it restarts only what is missing, then waits until the services have reconnected.
        Launcher.Result start = launcher.run(Launcher.START_TIMEOUT, "start");
        assertEquals(0, start.exitCode(), start.output());
        assertEquals(servicePids, launcher.servicePids(), "the running services must not be restarted");
        assertEquals("UP", readiness("gateway").path("status").asText());
    }

    @Test
    @Order(3)
    void stopLeavesNoProcessBehind() throws Exception {
        List<Long> pids = recordedPids();
        assertEquals(11, pids.size(), "3 infrastructure + 4 services and their 4 supervisors: " + pids);

        Launcher.Result stop = launcher.run(Duration.ofMinutes(2), "stop");
        assertEquals(0, stop.exitCode(), stop.output());

        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " survived");
        }
        for (int port : Launcher.allPorts()) {
            assertFalse(Launcher.isOpen(port), "port " + port + " still open after stop");
        }
        assertEquals(List.of(), recordedPids());
    }

    @Test
    @Order(4)
    void aSecondStartReusesTheData() throws Exception {
        String clusterId =
                Files.readString(launcher.home.resolve("kafka/cluster-id")).trim();
        Launcher.Result start = launcher.run(Launcher.START_TIMEOUT, "start");
        assertEquals(0, start.exitCode(), start.output());

        assertEquals("launcher_it_marker", launcher.sql("SELECT to_regclass('public.launcher_it_marker')"));
        assertEquals(
                clusterId,
                Files.readString(launcher.home.resolve("kafka/cluster-id")).trim());
        assertTrue(Files.isDirectory(launcher.home.resolve("s3/medlabel")), "the services' bucket persists");
        assertEquals("UP", readiness("gateway").path("status").asText());
    }

    @Test
    @Order(5)
    void killingTheDatastoreMidUploadLeavesNoHalfVisibleImage() throws Exception {
        int port = Launcher.SERVICE_PORTS.get("datastore");
        String boundary = "medlabelcrashtest";
        String head =
                "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"crash.nii.gz\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        byte[] chunk = new byte[1 << 20];
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            long length = head.length() + 64L * chunk.length + tail.length();
            out.write(("PUT /images/crash HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary="
                            + boundary + "\r\nContent-Length: " + length + "\r\n\r\n" + head)
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 16; i++) { // a quarter of the declared body
                out.write(chunk);
            }
            out.flush();
            Thread.sleep(300);
            launcher.kill("datastore");
        }
        // its supervisor starts it again, without a `start`
        Awaitility.await()
                .atMost(Launcher.START_TIMEOUT)
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> readiness("datastore").path("status").asText().equals("UP"));
        Launcher.Result status = launcher.run(Duration.ofSeconds(60), "status");
        assertTrue(
                status.output()
                        .matches("(?s).*datastore .*running \\(pid \\d+\\), ready; restarted 1 times, last at"
                                + " \\d\\d:\\d\\d:\\d\\d \\(exit 137\\).*"),
                status.output());
        assertEquals(404, get(port, "/images/crash").statusCode());
        assertEquals("0", launcher.sql("SELECT count(*) FROM datastore.images WHERE id = 'crash'"));
        assertEquals("0", launcher.sql("SELECT count(*) FROM datastore.outbox WHERE event_key = 'crash'"));
    }

    @Test
    @Order(6)
    void inferenceSegmentsADatastoreImageByItsId() throws Exception {
        Path mr = Path.of(System.getProperty("medlabel.shared.data", "../../shared/data"))
                .resolve("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz")
                .toAbsolutePath()
                .normalize();
        int datastore = Launcher.SERVICE_PORTS.get("datastore");
        HttpResponse<String> upload = http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + datastore + "/images/it-mr/file?name=t1.nii.gz"))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofFile(mr))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(upload.statusCode() < 300, upload.body());

        int inference = Launcher.SERVICE_PORTS.get("inference");
        HttpResponse<String> result = infer(inference, "segmentation_spleen", "it-mr");
        assertEquals(200, result.statusCode(), result.body());
        JsonNode json = JSON.readTree(result.body());
        assertEquals(1, json.path("label_names").path("spleen").asInt(), result.body());
        assertTrue(json.path("latencies").has("total"), result.body());
        assertEquals(0, json.path("model_version").asInt(), "a fresh install serves the built version 0");
        HttpResponse<String> missing = infer(inference, "segmentation_spleen", "no-such-image");
        assertEquals(404, missing.statusCode(), missing.body());
        assertTrue(JSON.readTree(missing.body()).path("detail").asText().contains("no-such-image"));
    }

    private HttpResponse<String> infer(int port, String model, String image) throws Exception {
        return http.send(inferRequest(port, model, image, "json"), HttpResponse.BodyHandlers.ofString());
    }

    /** MONAI Label's inference request with empty params. */
    private static HttpRequest inferRequest(int port, String model, String image, String output) {
        String boundary = "medlabelit";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"params\"\r\n\r\n{}\r\n--" + boundary
                + "--\r\n";
        return HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + port + "/infer/" + model + "?image=" + image + "&output=" + output))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(120))
                .build();
    }

    /** Waits (bounded) until exactly the {@code expected} checks of the service fail (the infrastructure is down). */
    private void assertFailingChecks(String service, String... expected) {
        List<String> wanted = List.of(expected);
        List<String> last = Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            JsonNode ready = readiness(service);
                            List<String> failing = new ArrayList<>();
                            for (JsonNode check : ready.path("checks")) {
                                if (!"UP".equals(check.path("status").asText())) {
                                    failing.add(check.path("name").asText());
                                }
                            }
                            return failing.stream().sorted().toList();
                        },
                        failing -> failing.equals(wanted));
        assertEquals(wanted, last, service);
    }

    private JsonNode readiness(String service) throws Exception {
        return JSON.readTree(
                get(Launcher.SERVICE_PORTS.get(service), "/q/health/ready").body());
    }

    private static Map<String, String> servicesData(JsonNode readiness) {
        Map<String, String> data = new TreeMap<>();
        for (JsonNode check : readiness.path("checks")) {
            if ("services".equals(check.path("name").asText())) {
                check.path("data")
                        .properties()
                        .forEach(e -> data.put(e.getKey(), e.getValue().asText()));
            }
        }
        return data;
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private List<Long> recordedPids() throws IOException {
        Path run = launcher.home.resolve("run");
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(run)) {
            List<Long> pids = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
                pids.add(Long.parseLong(Files.readString(f).trim()));
            }
            return pids;
        }
    }
}
