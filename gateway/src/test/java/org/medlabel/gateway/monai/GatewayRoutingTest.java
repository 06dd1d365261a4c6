package org.medlabel.gateway.monai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medlabel.gateway.StubServices;
import org.medlabel.gateway.StubServices.Answer;

/**
 * The gateway's own behaviour against stub services over real HTTP: how MONAI Label's calls map onto the services,
 * {@code /info/} composition, streamed bodies, retries and the circuit breaker, request ids and errors.
 */
@QuarkusTest
@WithTestResource(StubServices.class)
class GatewayRoutingTest {

    private static final String MODELS = """
            {"name":"App","description":"d","version":"1","models":{
              "seg":{"type":"segmentation","labels":{"liver":6,"spleen":1},"dimension":3,"description":"s",
                     "config":{},"device":"cpu","version":2},
              "grow":{"type":"deepgrow","labels":["spleen","kidney"],"dimension":3,"description":"g",
                      "config":{"device":["cuda"]},"device":"cpu","version":0}}}""";

    @BeforeEach
    void stubs() {
        StubServices.reset();
        StubServices.ROUTES.put("inference GET /models", r -> Answer.json(200, MODELS));
        StubServices.ROUTES.put("training GET /trainers", r -> Answer.json(200, "{\"seg\":{\"description\":\"t\"}}"));
        StubServices.ROUTES.put("training GET /stats", r -> Answer.json(200, "{\"seg\":{\"epoch\":3}}"));
        StubServices.ROUTES.put(
                "datastore GET /stats",
                r -> Answer.json(200, "{\"total\":5,\"completed\":2,\"label_tags\":{\"final\":2}}"));
    }

    @Test
    void infoIsComposedFromTheServicesWithoutATopLevelConfig() {
        for (String path : List.of("/info/", "/info")) {
            given().get(path)
                    .then()
                    .statusCode(200)
                    .body("name", equalTo("App"))
                    .body("labels", equalTo(List.of("spleen", "kidney", "liver")))
                    .body("models.seg.config.device", equalTo(List.of("cpu")))
                    .body("models.grow.config.device", equalTo(List.of("cuda")))
                    .body("models.seg.version", equalTo(2))
                    .body("trainers.seg.description", equalTo("t"))
                    .body("train_stats.seg.epoch", equalTo(3))
                    .body("train_stats.grow", equalTo(java.util.Map.of()))
                    .body("strategies", hasKey("random"))
                    // dice, sum, and epistemic for segmentation models only
                    .body("scoring.keySet()", equalTo(java.util.Set.of("dice", "sum", "seg_epistemic")))
                    .body("scoring.seg_epistemic.model", equalTo("seg"))
                    .body("strategies", hasKey("epistemic"))
                    .body("datastore.completed", equalTo(2))
                    .body("$", not(hasKey("config")));
        }
    }

    @Test
    void infoKeepsAnsweringWhenAServiceFailsAfterwards() {
        given().get("/info/").then().statusCode(200);
        StubServices.ROUTES.put("training GET /stats", r -> Answer.json(500, "{\"detail\":\"boom\"}"));
        StubServices.ROUTES.put("datastore GET /stats", r -> Answer.json(500, "{\"detail\":\"boom\"}"));
        Awaitility.await()
                .pollDelay(300, TimeUnit.MILLISECONDS)
                .atMost(5, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> given().get("/info/").then().statusCode(200).body("datastore.total", equalTo(5)));
    }

    @Test
    void requestIdsReachTheServicesAndComeBack() {
        given().header("X-Request-Id", "slicer-42")
                .get("/datastore/")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "slicer-42")
                .body("total", equalTo(5));
        assertTrue(StubServices.REQUESTS.stream()
                .anyMatch(r -> r.uri().equals("/stats")
                        && "slicer-42".equals(r.headers().get("x-request-id"))));
        String made = given().get("/datastore/").then().extract().header("X-Request-Id");
        assertTrue(made.matches("[0-9a-f]{16}"), made);
        assertTrue(StubServices.REQUESTS.stream()
                .anyMatch(r -> made.equals(r.headers().get("x-request-id"))));
    }

    @Test
    void aLabelUploadStreamsThroughUnchangedAndIsAnsweredAsMonaiLabel() throws Exception {
        byte[] label = new byte[24 << 20];
        new Random(7).nextBytes(label);
        StubServices.ROUTES.put(
                "datastore PUT /images/spleen_1/labels/final",
                r -> Answer.json(201, "{\"imageId\":\"spleen_1\",\"tag\":\"final\",\"version\":1}"));
        given().multiPart("params", "{\"label_info\":[{\"name\":\"spleen\",\"idx\":1}]}")
                .multiPart("label", "/home/user/spleen_1.nii.gz", label, "application/octet-stream")
                .queryParam("image", "spleen_1")
                .put("/datastore/label")
                .then()
                .statusCode(200)
                .body("image", equalTo("spleen_1"))
                .body("label", equalTo("spleen_1"));
        StubServices.Request got = last("datastore");
        assertTrue(got.headers().get("content-type").startsWith("multipart/form-data; boundary="));
        assertTrue(got.text().contains("filename=\"/home/user/spleen_1.nii.gz\""), got.text());
        assertTrue(got.size() > label.length);
    }

    @Test
    void aBinaryBodyArrivesByteForByte() throws Exception {
        byte[] body = new byte[3_000_001];
        new Random(3).nextBytes(body);
        StubServices.ROUTES.put("inference POST /infer/seg", r -> Answer.json(200, "{\"ok\":true}"));
        given().contentType("application/octet-stream")
                .body(body)
                .post("/infer/seg?image=a&output=json")
                .then()
                .statusCode(200)
                .body("ok", equalTo(true));
        StubServices.Request got = last("inference");
        assertEquals(body.length, got.size());
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)), got.sha256());
        assertEquals("/infer/seg?image=a&output=json", got.uri());
    }

    @Test
    void aResultTellsTrainingWhichModelIsInUseOnceAMinute() throws Exception {
        StubServices.ROUTES.put("inference POST /infer/used", r -> Answer.json(200, "{\"ok\":true}"));
        StubServices.ROUTES.put("inference POST /infer/refused", r -> Answer.json(404, "{\"detail\":\"no\"}"));
        StubServices.ROUTES.put("training PUT /models/used/used", r -> Answer.json(204, ""));
        given().post("/infer/refused?image=a&output=json").then().statusCode(404);
        for (int i = 0; i < 3; i++) {
            given().post("/infer/used?image=a&output=json").then().statusCode(200);
        }
        Thread.sleep(500); // the report is not waited for
        List<String> reported = StubServices.REQUESTS.stream()
                .filter(r -> r.service().equals("training"))
                .map(r -> r.method() + " " + r.uri())
                .toList();
        assertEquals(List.of("PUT /models/used/used"), reported, "one report, for the model that answered");
    }

    @Test
    void aBodyArrivesOverAnHttp2UpgradeToo() throws Exception {
        // Java's HttpClient upgrades a plain connection to HTTP/2 (h2c), whose bodies carry no length headers.
        byte[] body = new byte[1_000_003];
        new Random(5).nextBytes(body);
        StubServices.ROUTES.put("inference POST /infer/seg", r -> Answer.json(200, "{\"ok\":true}"));
        var client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2)
                .build();
        for (int i = 0; i < 2; i++) { // the first request upgrades, the second is sent as HTTP/2
            var response = client.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":"
                                    + io.restassured.RestAssured.port + "/infer/seg?output=json"))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                    () -> new java.io.ByteArrayInputStream(body)))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(body.length, last("inference").size());
        }
    }

    @Test
    void idempotentCallsAreRetriedThroughTransientFailures() {
        AtomicInteger calls = new AtomicInteger();
        StubServices.ROUTES.put(
                "datastore GET /images/a/info",
                r -> calls.incrementAndGet() < 3
                        ? Answer.json(503, "{\"detail\":\"busy\"}")
                        : Answer.json(200, "{\"name\":\"a.nii.gz\"}"));
        given().get("/datastore/image/info?image=a")
                .then()
                .statusCode(200)
                .body("name", equalTo("a.nii.gz"))
                .body("path", containsString("/datastore/image?image=a"));
        assertEquals(3, calls.get());
    }

    @Test
    void aNonIdempotentCallIsNotRepeatedAndItsErrorIsRelayed() {
        AtomicInteger calls = new AtomicInteger();
        StubServices.ROUTES.put("datastore POST /strategies/first/next", r -> {
            calls.incrementAndGet();
            return Answer.json(503, "{\"detail\":\"storage down\",\"code\":\"STORAGE_UNAVAILABLE\"}");
        });
        given().contentType("application/json")
                .body("{\"client_id\":\"me\"}")
                .post("/activelearning/first")
                .then()
                .statusCode(503)
                .body("detail", equalTo("storage down"));
        assertEquals(1, calls.get());
    }

    @Test
    void badInputIsRefusedBeforeAnyServiceIsCalled() {
        given().contentType("application/json")
                .body("{not json")
                .post("/train/seg")
                .then()
                .statusCode(422)
                .body("detail", containsString("JSON"));
        given().contentType("application/json")
                .body("[1,2]")
                .post("/activelearning/random")
                .then()
                .statusCode(422)
                .body("detail", containsString("JSON object"));
        given().get("/datastore/image?image=..").then().statusCode(400).body("detail", containsString("invalid id"));
        given().get("/datastore/image").then().statusCode(422).body("detail", containsString("'image'"));
        given().get("/datastore/?output=everything").then().statusCode(422);
        given().get("/train/?all=maybe").then().statusCode(422);
        given().post("/infer/seg?output=dicom_seg").then().statusCode(422);
        assertEquals(
                List.of(),
                StubServices.REQUESTS.stream()
                        .filter(r -> !r.uri().startsWith("/models")
                                && !r.uri().startsWith("/stats")
                                && !r.uri().startsWith("/trainers")
                                && !r.uri().startsWith("/tasks/scoring-auto"))
                        .toList());
    }

    @Test
    void monaiLabelsServerRoutes() {
        given().get("/auth/").then().statusCode(404).body("detail", notNullValue());
        given().get("/")
                .then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("swagger-ui"));
        given().redirects().follow(false).get("/docs").then().statusCode(302);
        given().get("/logs/").then().statusCode(404);
        given().post("/reload").then().statusCode(200).body(equalTo("{}"));
        given().delete("/train/").then().statusCode(404); // the stub has no DELETE /jobs: relayed as is
        StubServices.ROUTES.put("training DELETE /jobs", r -> Answer.json(200, "[]"));
        given().delete("/train/").then().statusCode(200).body(equalTo("null"));
        // MedLabel's model filter on the task status reaches training; MONAI Label's clients never send it
        StubServices.ROUTES.put("training GET /jobs/latest", r -> Answer.json(200, "{\"id\":\"j\"}"));
        given().get("/train/?check_if_running=true&model=seg").then().statusCode(200);
        assertEquals("/jobs/latest?running=true&model=seg", last("training").uri());
        given().header("Origin", "http://ohif.example")
                .header("Access-Control-Request-Method", "POST")
                .options("/infer/seg")
                .then()
                .header("Access-Control-Allow-Origin", "http://ohif.example");
    }

    @Test
    void batchInferenceAndScoringAreTheTrainingServicesTasksAndRunSyncPollsUntilTheEnd() {
        AtomicInteger polls = new AtomicInteger();
        StubServices.ROUTES.put(
                "training POST /tasks/batch_infer/seg",
                r -> Answer.json(200, "{\"id\":\"t1\",\"status\":\"SUBMITTED\"}"));
        StubServices.ROUTES.put(
                "training GET /tasks/batch_infer/t1",
                r -> Answer.json(
                        200,
                        polls.incrementAndGet() < 2
                                ? "{\"id\":\"t1\",\"status\":\"RUNNING\"}"
                                : "{\"id\":\"t1\",\"status\":\"DONE\",\"result\":{\"a\":{\"tag\":\"original\"}}}"));
        given().contentType("application/json")
                .body("{\"label_tag\": \"original\"}")
                .post("/batch/infer/seg?images=unlabeled&run_sync=true")
                .then()
                .statusCode(200)
                .body("status", equalTo("DONE"))
                .body("result.a.tag", equalTo("original"));
        StubServices.Request started = StubServices.REQUESTS.stream()
                .filter(r -> r.method().equals("POST"))
                .findFirst()
                .orElseThrow();
        assertEquals("/tasks/batch_infer/seg?images=unlabeled", started.uri());
        assertEquals("{\"label_tag\":\"original\"}", started.text());
        assertEquals("/tasks/batch_infer/t1?result=true", last("training").uri());
        assertEquals(2, polls.get(), "polled until the task ended");

        // without run_sync the task comes back as started; status, stop and scoring map the same way
        StubServices.ROUTES.put(
                "training POST /tasks/scoring/dice", r -> Answer.json(200, "{\"id\":\"t2\",\"status\":\"SUBMITTED\"}"));
        given().post("/scoring/dice").then().statusCode(200).body("id", equalTo("t2"));
        StubServices.ROUTES.put(
                "training POST /tasks/scoring",
                r -> Answer.json(429, "{\"detail\":\"++++++++++ Scoring Task is Already Running\"}"));
        given().post("/scoring/")
                .then()
                .statusCode(429)
                .body("detail", equalTo("++++++++++ Scoring Task is Already Running"));
        StubServices.ROUTES.put(
                "training GET /tasks/scoring",
                r -> Answer.json(404, "{\"detail\":\"No Scoring Tasks are currently Running\"}"));
        given().get("/scoring/?check_if_running=true")
                .then()
                .statusCode(404)
                .body("detail", equalTo("No Scoring Tasks are currently Running"));
        assertEquals("/tasks/scoring?all=false&running=true", last("training").uri());
        StubServices.ROUTES.put("training DELETE /tasks/batch_infer", r -> Answer.json(200, "[{\"id\":\"t1\"}]"));
        given().delete("/batch/infer").then().statusCode(200).body("id", equalTo("t1"));
        StubServices.ROUTES.put("training DELETE /tasks/scoring", r -> Answer.json(200, "[]"));
        given().delete("/scoring/").then().statusCode(200).body(equalTo("null"));
    }

    @Test
    void aNextSampleIsReportedToAutomaticScoring() {
        StubServices.ROUTES.put("datastore POST /strategies/random/next", r -> Answer.json(200, "{\"id\":\"a\"}"));
        given().contentType("application/json")
                .body("{}")
                .post("/activelearning/random")
                .then()
                .statusCode(200);
        Awaitility.await()
                .atMost(5, TimeUnit.SECONDS)
                .until(() -> StubServices.REQUESTS.stream()
                        .anyMatch(r -> r.uri().equals("/tasks/scoring-auto")
                                && r.text().equals("{\"reason\":\"next sample\"}")));
    }

    @Test
    void anUnresponsiveServiceOpensItsCircuitAndIsAnsweredAtOnce() {
        StubServices.ROUTES.put("training POST /jobs/seg", r -> Answer.hang(3_000));
        // Calls time out (504) until the share of failures in the breaker's window of 4 calls reaches one half.
        int timeouts = 0;
        int status;
        while ((status = given().contentType("application/json")
                                .body("{}")
                                .post("/train/seg")
                                .statusCode())
                        == 504
                && timeouts < 10) {
            timeouts++;
        }
        assertEquals(503, status);
        assertTrue(timeouts >= 2 && timeouts <= 4, timeouts + " timeouts before the circuit opened");
        given().contentType("application/json")
                .body("{}")
                .post("/train/seg")
                .then()
                .statusCode(503)
                .header("Retry-After", notNullValue())
                .body("detail", containsString("training service is unavailable"))
                .time(lessThan(500L), TimeUnit.MILLISECONDS);
        // The other services are not affected, and the circuit closes again once the service answers.
        given().get("/datastore/").then().statusCode(200);
        StubServices.ROUTES.put(
                "training POST /jobs/seg", r -> Answer.json(200, "{\"id\":\"j\",\"status\":\"SUBMITTED\"}"));
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .pollInterval(500, TimeUnit.MILLISECONDS)
                .untilAsserted(() -> given().contentType("application/json")
                        .body("{}")
                        .post("/train/seg")
                        .then()
                        .statusCode(200));
    }

    /** The last request to the service, leaving out automatic scoring's reports (sent in the background). */
    private static StubServices.Request last(String service) {
        List<StubServices.Request> of = StubServices.REQUESTS.stream()
                .filter(r -> r.service().equals(service) && !r.uri().startsWith("/tasks/scoring-auto"))
                .toList();
        assertTrue(!of.isEmpty(), "no request reached " + service);
        return of.get(of.size() - 1);
    }
}
