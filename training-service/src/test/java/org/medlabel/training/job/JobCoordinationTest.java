package org.medlabel.training.job;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.medlabel.api.event.JobStatus;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.training.CoordinationProfile;
import org.medlabel.training.FakeDatalist;
import org.medlabel.training.TrainingData;

/**
 * Jobs across workers, through the real job table: labels count once per event, thresholds start one job, a model
 * never runs twice, a dead worker's job is taken over, stops, and the REST answers MONAI Label's clients expect.
 */
@QuarkusTest
@TestProfile(CoordinationProfile.class)
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeDatalist.class)
class JobCoordinationTest {

    private static final String MODEL = "tiny_seg";

    @Inject
    JobService service;

    @Inject
    JobStore store;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void clean() throws Exception {
        TrainingData.reset(dataSource);
    }

    @Test
    void aRedeliveredLabelCountsOnceAndTheThresholdStartsExactlyOneJob() {
        UUID first = UUID.randomUUID();
        assertTrue(service.labelSaved(first).isEmpty());
        assertTrue(service.labelSaved(first).isEmpty(), "redelivered");
        assertTrue(service.labelSaved(first).isEmpty(), "redelivered again");
        assertTrue(service.labelSaved(UUID.randomUUID()).isEmpty(), "2 of 3 distinct labels");
        List<Job> started = service.labelSaved(UUID.randomUUID());
        assertEquals(1, started.size(), "the third distinct label reaches the threshold of 3");
        assertEquals(Job.BY_LABELS, started.get(0).trigger());
        assertEquals(4, started.get(0).totalEpochs(), "the app's maxEpochs");
        for (int i = 0; i < 5; i++) {
            assertTrue(service.labelSaved(UUID.randomUUID()).isEmpty(), "no second job while one is waiting");
        }
        assertEquals(1, store.list(MODEL, false, 10).size());
        // the labels that came meanwhile start the next job once the first has ended
        store.requestStop(started.get(0).id());
        List<Job> next = service.startDue();
        assertEquals(1, next.size(), "5 pending labels >= 3");
        assertTrue(service.startDue().isEmpty());
    }

    @Test
    void twoWorkersClaimingAtOnceNeverRunTheSameModelTwice() throws Exception {
        for (int i = 0; i < 4; i++) {
            service.submit(MODEL, Map.of(), true);
        }
        int workers = 4;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Optional<Job>>> claims = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                String name = "worker-" + w;
                Callable<Optional<Job>> claim = () -> {
                    go.await();
                    return store.claim(name, Duration.ofMinutes(1));
                };
                claims.add(pool.submit(claim));
            }
            go.countDown();
            int claimed = 0;
            for (Future<Optional<Job>> f : claims) {
                claimed += f.get().isPresent() ? 1 : 0;
            }
            assertEquals(1, claimed, "one job of the model runs; the others wait");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(
                1,
                store.list(MODEL, true, 10).stream()
                        .filter(j -> j.status() == JobStatus.RUNNING)
                        .count());
    }

    @Test
    void aWorkerThatStopsHeartbeatingLosesItsJobToAnother() throws Exception {
        Job job = service.submit(MODEL, Map.of("max_epochs", 2), false);
        Job claimed = store.claim("dying-worker", Duration.ofMillis(300)).orElseThrow();
        assertEquals(job.id(), claimed.id());
        assertEquals(1, claimed.attempts());
        assertTrue(store.claim("other-worker", Duration.ofMinutes(1)).isEmpty(), "the lease still holds");
        Thread.sleep(600);
        Job taken = store.claim("other-worker", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(job.id(), taken.id());
        assertEquals("other-worker", taken.worker());
        assertEquals(2, taken.attempts());
        assertTrue(
                store.heartbeat(job.id(), "dying-worker", Duration.ofMinutes(1)).isEmpty(), "the old worker lost it");
        assertEquals(Optional.of(false), store.heartbeat(job.id(), "other-worker", Duration.ofMinutes(1)));
        assertTrue(!store.finish(job.id(), "dying-worker", JobStatus.ERROR, "late", List.of()), "cannot end it either");
    }

    @Test
    void stopEndsAWaitingJobAtOnceAndFlagsARunningOne() {
        Job waiting = service.submit(MODEL, Map.of(), false);
        Job queued = service.submit(MODEL, Map.of(), true);
        Job running = store.claim("w", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(waiting.id(), running.id());
        assertEquals(JobStatus.STOPPED, service.stop(queued.id()).status());
        Job flagged = service.stop(running.id());
        assertEquals(JobStatus.RUNNING, flagged.status());
        assertTrue(flagged.stopRequested());
        assertEquals(Optional.of(true), store.heartbeat(running.id(), "w", Duration.ofMinutes(1)));
    }

    @Test
    void restAnswersAsMonaiLabelWithTheRightStatuses() {
        given().get("/jobs/latest").then().statusCode(404).body("detail", equalTo("No Train Tasks Found"));
        String id = given().body("{\"max_epochs\": 2, \"name\": \"train_01\"}")
                .post("/jobs/" + MODEL)
                .then()
                .statusCode(200)
                .body("status", equalTo("SUBMITTED"))
                .body("request.model", equalTo(MODEL))
                .body("request.max_epochs", equalTo(2))
                .body("total_epochs", equalTo(2))
                .extract()
                .path("id");
        given().post("/jobs/" + MODEL)
                .then()
                .statusCode(429)
                .body("detail", containsString("Train Task is Already Running"));
        given().queryParam("enqueue", true).post("/jobs/" + MODEL).then().statusCode(200);
        given().get("/jobs/latest?running=true&model=" + MODEL).then().statusCode(200);
        given().get("/jobs?model=" + MODEL).then().statusCode(200).body("size()", equalTo(2));
        given().get("/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
        given().get("/jobs/" + UUID.randomUUID()).then().statusCode(404).body("code", equalTo("JOB_NOT_FOUND"));
        given().get("/jobs/../stats").then().statusCode(200);
        given().get("/jobs/not-a-uuid").then().statusCode(404);
        given().post("/jobs/unknown_model").then().statusCode(404).body("code", equalTo("MODEL_NOT_FOUND"));
        given().post("/jobs/frozen").then().statusCode(422).body("detail", containsString("cannot be trained"));
        given().body("{\"max_epochs\": -1}").post("/jobs/" + MODEL).then().statusCode(422);
        given().body("[1, 2]").post("/jobs/" + MODEL).then().statusCode(422);
        given().body("{not json").post("/jobs/" + MODEL).then().statusCode(422);
        given().get("/jobs?limit=0").then().statusCode(422);
        given().delete("/jobs?model=" + MODEL).then().statusCode(200).body("size()", equalTo(2));
        given().get("/jobs/latest?running=true")
                .then()
                .statusCode(404)
                .body("detail", equalTo("No Train Tasks are currently Running"));
        given().get("/stats").then().statusCode(200).body(MODEL, equalTo(Map.of()));
    }
}
