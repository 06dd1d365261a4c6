package org.medlabel.gateway.monai;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.oneOf;
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
                                && !r.uri().startsWith("/trainers"))
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

    private static final String VIEW = """
            {"name":"new-dataset","objects":{"a":{"image":{},"labels":{}},"b":{"image":{},"labels":{"final":{}}},
             "c":{"image":{},"labels":{"original":{}}}},"next_offset":null,"next_after":null}""";
    private static final String INFER_ANSWER = "--b0\r\nContent-Disposition: form-data; name=\"params\"\r\n"
            + "Content-Type: application/json\r\n\r\n{\"label_names\":{\"spleen\":1},\"model_version\":3}\r\n"
            + "--b0\r\nContent-Disposition: form-data; name=\"image\"; filename=\"tmp1.nii.gz\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\nLABEL-BYTES\r\n--b0--\r\n";

    @Test
    void batchInferenceSavesEachSelectedImagesLabelAndRecordsFailures() {
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        StubServices.ROUTES.put(
                "inference POST /infer/seg",
                r -> r.uri().contains("image=c")
                        ? Answer.json(404, "{\"detail\":\"image 'c' not found\"}")
                        : new Answer(200, "multipart/form-data; boundary=b0", INFER_ANSWER, 0));
        StubServices.ROUTES.put("datastore PUT /images/a/labels/original", r -> Answer.json(201, "{}"));
        given().contentType("application/json")
                .body("{\"label_tag\": \"original\", \"device\": \"cuda\", \"result_extension\": \".nrrd\"}")
                .post("/batch/infer/seg?images=unlabeled&run_sync=true")
                .then()
                .statusCode(200)
                .body("status", equalTo("DONE"))
                .body("total", equalTo(2))
                .body("done", equalTo(1))
                .body("failed", equalTo(1))
                .body("result.a.model_version", equalTo(3))
                .body("result.c.error", containsString("image 'c' not found"));
        StubServices.Request infer = StubServices.REQUESTS.stream()
                .filter(r -> r.uri().startsWith("/infer/seg?image=a"))
                .findFirst()
                .orElseThrow();
        assertTrue(infer.text().contains("{\"result_extension\":\".nrrd\"}"), infer.text());
        StubServices.Request saved = last("datastore");
        assertEquals("/images/a/labels/original", saved.uri());
        assertTrue(saved.text().contains("filename=\"tmp1.nii.gz\"")
                && saved.text().contains("LABEL-BYTES"));
        assertTrue(saved.text().contains("\"model\":\"seg\"") && saved.text().contains("\"model_version\":3"));
        given().get("/batch/infer").then().statusCode(200).body("status", equalTo("DONE"));
        given().get("/batch/infer?check_if_running=true")
                .then()
                .statusCode(404)
                .body("detail", equalTo("No Batch_infer Tasks are currently Running"));
        given().post("/batch/infer/seg?images=some").then().statusCode(422);
    }

    @Test
    void epistemicScoringScoresEachUnlabeledImageAndWritesTheScoreToItsInfo() {
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        StubServices.ROUTES.put(
                "inference POST /scoring/seg/epistemic",
                r -> r.uri().contains("image=c")
                        ? Answer.json(404, "{\"detail\":\"image 'c' not found\"}")
                        : Answer.json(200, "{\"epistemic_entropy\":0.25,\"epistemic_ts\":2,\"samples\":3}"));
        StubServices.ROUTES.put("datastore PUT /images/a/info", r -> Answer.json(200, "{}"));
        given().contentType("application/json")
                .body("{\"num_samples\": 3}")
                .post("/scoring/seg_epistemic?run_sync=true")
                .then()
                .statusCode(200)
                .body("status", equalTo("DONE"))
                .body("total", equalTo(2)) // a and c: b has a final label
                .body("done", equalTo(1))
                .body("result.a.epistemic_entropy", equalTo(0.25f))
                .body("result.c.error", containsString("image 'c' not found"));
        assertTrue(
                StubServices.REQUESTS.stream()
                        .anyMatch(r -> r.uri().equals("/scoring/seg/epistemic?image=a&samples=3")),
                StubServices.REQUESTS.toString());
        StubServices.Request written = last("datastore");
        assertEquals("/images/a/info", written.uri());
        assertEquals("{\"epistemic_entropy\":0.25,\"epistemic_ts\":2}", written.text());
        given().get("/scoring/").then().statusCode(200).body("status", equalTo("DONE"));
        given().get("/scoring/?check_if_running=true")
                .then()
                .statusCode(404)
                .body("detail", equalTo("No Scoring Tasks are currently Running"));
        // a DeepGrow model has no epistemic scoring; an unknown method neither
        given().post("/scoring/grow_epistemic")
                .then()
                .statusCode(404)
                .body(
                        "detail",
                        equalTo("scoring method 'grow_epistemic' is not available (available: dice, seg_epistemic,"
                                + " sum)"));
        given().post("/scoring/best").then().statusCode(404);
    }

    @Test
    void diceAndSumScoringLetTheDatastoreScoreEachImagesLabels() {
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        StubServices.ROUTES.put(
                "datastore POST /images/b/scores/dice", r -> Answer.json(200, "{\"dice\":0.75,\"y\":\"final\"}"));
        given().contentType("application/json")
                .body("{\"y_pred\": \"auto\"}")
                .post("/scoring/dice?run_sync=true")
                .then()
                .statusCode(200)
                .body("status", equalTo("DONE"))
                .body("total", equalTo(1)) // b is the labeled one
                .body("result.b.dice", equalTo(0.75f));
        assertEquals(
                "/images/b/scores/dice?y=final&y_pred=auto", last("datastore").uri());

        // sum covers every image; one without labels (404 from the stub) is skipped, not failed
        StubServices.ROUTES.put("datastore POST /images/a/scores/sum", r -> Answer.json(200, "{}"));
        StubServices.ROUTES.put(
                "datastore POST /images/c/scores/sum",
                r -> Answer.json(200, "{\"original\":{\"sum\":12,\"slices\":2}}"));
        given().post("/scoring/sum?run_sync=true")
                .then()
                .statusCode(200)
                .body("total", equalTo(3))
                .body("failed", equalTo(0))
                .body("result.c.original.sum", equalTo(12))
                .body("result.b.skipped", equalTo("stub: no route"));
    }

    @Test
    void aSecondBatchWaitsItsTurnAndAStopEndsTheRun() {
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        StubServices.ROUTES.put(
                "inference POST /infer/seg",
                r -> new Answer(200, "multipart/form-data; boundary=b0", INFER_ANSWER, 800));
        StubServices.ROUTES.put("datastore PUT /images/a/labels/original", r -> Answer.json(201, "{}"));
        StubServices.ROUTES.put("datastore PUT /images/b/labels/original", r -> Answer.json(201, "{}"));
        given().post("/batch/infer/seg").then().statusCode(200).body("status", oneOf("SUBMITTED", "RUNNING"));
        given().post("/batch/infer/seg")
                .then()
                .statusCode(429)
                .body("detail", equalTo("++++++++++ Batch_infer Task is Already Running"));
        given().delete("/batch/infer").then().statusCode(200).body("details", notNullValue());
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> given().get("/batch/infer")
                        .then()
                        .body("status", equalTo("STOPPED"))
                        .body("done", lessThan(3)));
        given().delete("/batch/infer").then().statusCode(200).body(equalTo("null"));
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

    private static StubServices.Request last(String service) {
        List<StubServices.Request> of = StubServices.REQUESTS.stream()
                .filter(r -> r.service().equals(service))
                .toList();
        assertTrue(!of.isEmpty(), "no request reached " + service);
        return of.get(of.size() - 1);
    }
}
