package org.medlabel.training.task;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.OpenApiContract;
import org.medlabel.training.task.StubServices.Answer;

/**
 * MONAI Label's batch inference and scoring as durable tasks, against stub datastore and inference services over real
 * HTTP and the real task table: what each image gets, failures recorded and skipped, one task per kind, stop, the
 * takeover of a task whose replica died, and automatic scoring.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(StubServices.class)
class ImageTasksTest {

    private static final String MODELS = """
            {"models":{"seg":{"type":"segmentation","version":2},"grow":{"type":"deepgrow","version":0}}}""";
    private static final String VIEW = """
            {"name":"new-dataset","objects":{"a":{"image":{"info":{}},"labels":{}},
             "b":{"image":{"info":{}},"labels":{"final":{}}},"c":{"image":{"info":{}},"labels":{"original":{}}}},
             "next_offset":null,"next_after":null}""";
    private static final String INFER_ANSWER = "--b0\r\nContent-Disposition: form-data; name=\"params\"\r\n"
            + "Content-Type: application/json\r\n\r\n{\"label_names\":{\"spleen\":1},\"model_version\":3}\r\n"
            + "--b0\r\nContent-Disposition: form-data; name=\"image\"; filename=\"tmp1.nii.gz\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\nLABEL-BYTES\r\n--b0--\r\n";

    @Inject
    DataSource dataSource;

    @Inject
    ImageTaskStore store;

    @BeforeEach
    void clean() throws Exception {
        StubServices.reset();
        StubServices.ROUTES.put("inference GET /models", r -> Answer.json(200, MODELS));
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, VIEW));
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute("TRUNCATE training.image_tasks, training.scored_versions");
        }
    }

    /** Starts a task and waits for its end; the task with each image's outcome. */
    private static ValidatableResponse runToEnd(String kind, String path, String body) {
        String id = given().contentType("application/json")
                .body(body)
                .post("/tasks/" + kind + path)
                .then()
                .statusCode(200)
                .body("status", oneOf("SUBMITTED", "RUNNING"))
                .extract()
                .path("id");
        Awaitility.await()
                .atMost(20, TimeUnit.SECONDS)
                .until(() -> !Set.of("SUBMITTED", "RUNNING")
                        .contains(given().get("/tasks/" + kind + "/" + id).path("status")));
        return given().get("/tasks/" + kind + "/" + id + "?result=true").then().statusCode(200);
    }

    private static StubServices.Request last(String service) {
        List<StubServices.Request> of = StubServices.REQUESTS.stream()
                .filter(r -> r.service().equals(service))
                .toList();
        return of.get(of.size() - 1);
    }

    @Test
    void batchInferenceSavesEachSelectedImagesLabelAndRecordsFailures() {
        StubServices.ROUTES.put(
                "inference POST /infer/seg",
                r -> r.uri().contains("image=c")
                        ? Answer.json(404, "{\"detail\":\"image 'c' not found\",\"code\":\"IMAGE_NOT_FOUND\"}")
                        : new Answer(200, "multipart/form-data; boundary=b0", INFER_ANSWER, 0));
        StubServices.ROUTES.put("datastore PUT /images/a/labels/original", r -> Answer.json(201, "{}"));

        runToEnd(
                        "batch_infer",
                        "/seg?images=unlabeled",
                        "{\"label_tag\": \"original\", \"device\": \"cuda\", \"result_extension\": \".nrrd\"}")
                .body("status", equalTo("DONE"))
                .body("request.model", equalTo("seg"))
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
        given().get("/tasks/batch_infer").then().statusCode(200).body("status", equalTo("DONE"));
        given().get("/tasks/batch_infer?running=true")
                .then()
                .statusCode(404)
                .body("detail", equalTo("No Batch_infer Tasks are currently Running"));
        given().post("/tasks/batch_infer/seg?images=some").then().statusCode(422);
    }

    @Test
    void epistemicScoringScoresEachUnlabeledImageAndWritesTheScoreToItsInfo() {
        StubServices.ROUTES.put(
                "inference POST /scoring/seg/epistemic",
                r -> r.uri().contains("image=c")
                        ? Answer.json(404, "{\"detail\":\"image 'c' not found\",\"code\":\"IMAGE_NOT_FOUND\"}")
                        : Answer.json(200, "{\"epistemic_entropy\":0.25,\"epistemic_ts\":2,\"samples\":3}"));
        StubServices.ROUTES.put("datastore PUT /images/a/info", r -> Answer.json(200, "{}"));

        runToEnd("scoring", "/seg_epistemic", "{\"num_samples\": 3}")
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
        // a DeepGrow model has no epistemic scoring; an unknown method neither; the default is seg's
        given().post("/tasks/scoring/grow_epistemic")
                .then()
                .statusCode(404)
                .body(
                        "detail",
                        equalTo("scoring method 'grow_epistemic' is not available (available: dice, seg_epistemic,"
                                + " sum)"));
        given().post("/tasks/scoring/best").then().statusCode(404);
        runToEnd("scoring", "", "{}").body("request.method", equalTo("seg_epistemic"));
    }

    @Test
    void diceAndSumScoringLetTheDatastoreScoreEachImagesLabels() {
        StubServices.ROUTES.put(
                "datastore POST /images/b/scores/dice", r -> Answer.json(200, "{\"dice\":0.75,\"y\":\"final\"}"));
        runToEnd("scoring", "/dice", "{\"y_pred\": \"auto\"}")
                .body("status", equalTo("DONE"))
                .body("total", equalTo(1)) // b is the labeled one
                .body("result.b.dice", equalTo(0.75f));
        assertEquals(
                "/images/b/scores/dice?y=final&y_pred=auto", last("datastore").uri());

        // sum covers every image; one without labels (the datastore's 404) is skipped, not failed
        StubServices.ROUTES.put("datastore POST /images/a/scores/sum", r -> Answer.json(200, "{}"));
        StubServices.ROUTES.put(
                "datastore POST /images/c/scores/sum",
                r -> Answer.json(200, "{\"original\":{\"sum\":12,\"slices\":2}}"));
        runToEnd("scoring", "/sum", "")
                .body("total", equalTo(3))
                .body("failed", equalTo(0))
                .body("result.c.original.sum", equalTo(12))
                .body("result.b.skipped", equalTo("stub: no route"));
    }

    @Test
    void aSecondBatchIsRefusedWhileOneRunsAndAStopEndsTheRun() {
        StubServices.ROUTES.put(
                "inference POST /infer/seg",
                r -> new Answer(200, "multipart/form-data; boundary=b0", INFER_ANSWER, 800));
        StubServices.ROUTES.put("datastore PUT /images/a/labels/original", r -> Answer.json(201, "{}"));
        StubServices.ROUTES.put("datastore PUT /images/b/labels/original", r -> Answer.json(201, "{}"));
        given().post("/tasks/batch_infer/seg").then().statusCode(200);
        given().post("/tasks/batch_infer/seg")
                .then()
                .statusCode(429)
                .body("detail", equalTo("++++++++++ Batch_infer Task is Already Running"));
        given().delete("/tasks/batch_infer").then().statusCode(200).body("[0].stop_requested", equalTo(true));
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> given().get("/tasks/batch_infer")
                        .then()
                        .body("status", equalTo("STOPPED"))
                        .body("done", lessThan(3)));
        given().delete("/tasks/batch_infer").then().statusCode(200).body("size()", equalTo(0));
        given().get("/tasks/batch_infer?all=true").then().statusCode(200).body("size()", equalTo(1));
    }

    @Test
    void aTaskWhoseReplicaDiedIsTakenOverAndGoesOnAfterTheImagesItHasOutcomesFor() throws Exception {
        StubServices.ROUTES.put("datastore POST /images/c/scores/sum", r -> Answer.json(200, "{\"c\":1}"));
        StubServices.ROUTES.put("datastore POST /images/b/scores/sum", r -> Answer.json(200, "{\"b\":1}"));
        // another replica listed a, b, c, scored a, and died (its lease ran out)
        ImageTask task = store.insert(
                        ImageTask.Kind.SCORING, null, Map.of("method", "sum"), "dead-replica", Duration.ofMillis(1))
                .orElseThrow();
        store.claim(task.id(), "dead-replica", Duration.ofMillis(1)).orElseThrow();
        store.listed(task.id(), List.of("a", "b", "c"), "label sums of 3 image(s)");
        assertEquals(
                ImageTaskStore.Next.GO_ON,
                store.record(task.id(), "dead-replica", Duration.ofMillis(1), "a", Map.of("a", 1), null));

        Awaitility.await()
                .atMost(15, TimeUnit.SECONDS)
                .until(() -> store.find(task.id()).orElseThrow().status().equals("DONE"));
        ImageTask done = store.find(task.id()).orElseThrow();
        assertEquals(Map.of("a", Map.of("a", 1), "b", Map.of("b", 1), "c", Map.of("c", 1)), done.result());
        assertEquals(3, done.done());
        assertTrue(
                StubServices.REQUESTS.stream().noneMatch(r -> r.uri().startsWith("/images/a/")),
                "a was scored before the takeover: " + StubServices.REQUESTS);
        assertTrue(!done.worker().equals("dead-replica"), done.worker());
    }

    @Test
    void automaticScoringRescoresOnlyOutdatedImagesOncePerServedVersion() {
        String view = """
                {"objects":{
                  "a":{"image":{"info":{}},"labels":{}},
                  "b":{"image":{"info":{}},"labels":{"final":{}}},
                  "c":{"image":{"info":{"epistemic_entropy":0.1,"epistemic_ts":2}},"labels":{}},
                  "d":{"image":{"info":{"epistemic_entropy":0.3,"epistemic_ts":1}},"labels":{"original":{}}}},
                 "next_after":null}""";
        StubServices.ROUTES.put("datastore GET /view", r -> Answer.json(200, view));
        StubServices.ROUTES.put(
                "inference POST /scoring/seg/epistemic",
                r -> Answer.json(200, "{\"epistemic_entropy\":0.2,\"epistemic_ts\":2,\"samples\":5}"));
        for (String image : new String[] {"a", "c", "d"}) {
            StubServices.ROUTES.put("datastore PUT /images/" + image + "/info", r -> Answer.json(200, "{}"));
        }
        String served = "{\"reason\":\"models served\",\"served\":{\"seg\":2}}";
        given().contentType("application/json")
                .body(served)
                .post("/tasks/scoring-auto")
                .then()
                .body("started", equalTo(true));
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> scored().size() == 2);
        assertEquals(Set.of("a", "d"), scored(), "c is up to date, b is labeled");
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> given().get("/tasks/scoring")
                        .then()
                        .body("status", equalTo("DONE"))
                        .body("request.auto", equalTo("serving seg version 2")));
        // the same version reported again (by another gateway, say) starts nothing; a next sample does
        given().contentType("application/json")
                .body(served)
                .post("/tasks/scoring-auto")
                .then()
                .body("started", equalTo(false));
        given().contentType("application/json")
                .body("{\"reason\":\"next sample\"}")
                .post("/tasks/scoring-auto")
                .then()
                .body("started", equalTo(true));
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> given().get("/tasks/scoring?all=true").then().body("size()", equalTo(2)));
    }

    private static Set<String> scored() {
        return StubServices.REQUESTS.stream()
                .filter(r -> r.uri().startsWith("/scoring/seg/epistemic"))
                .map(r -> r.uri().replaceAll(".*image=([a-z]).*", "$1"))
                .collect(Collectors.toSet());
    }

    /** The internal API this service serves is the committed document its consumers' contract tests read. */
    @Test
    void theInternalApiIsTheCommittedDocument() {
        OpenApiContract.assertServedIsCommitted(
                given().accept("application/json").get("/q/openapi?format=json").asString());
    }
}
