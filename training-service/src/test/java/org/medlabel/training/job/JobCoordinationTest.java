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
import org.medlabel.api.event.LabelScope;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.training.CoordinationProfile;
import org.medlabel.training.FakeDatastore;
import org.medlabel.training.TrainingData;

/**
 * Jobs across workers, through the real job table: labels count once per event, thresholds start one job, a model
 * never runs twice, a dead worker's job is taken over, stops, and the REST answers MONAI Label's clients expect.
 */
@QuarkusTest
@TestProfile(CoordinationProfile.class)
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeDatastore.class)
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
        assertTrue(service.labelSaved(first, LabelScope.UNDECLARED).isEmpty());
        assertTrue(service.labelSaved(first, LabelScope.UNDECLARED).isEmpty(), "redelivered");
        assertTrue(service.labelSaved(first, LabelScope.UNDECLARED).isEmpty(), "redelivered again");
        assertTrue(service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED).isEmpty(), "2 of 3 distinct labels");
        List<Job> started = service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        assertEquals(1, started.size(), "the third distinct label reaches the threshold of 3");
        assertEquals(Job.BY_LABELS, started.get(0).trigger());
        assertEquals(4, started.get(0).totalEpochs(), "the app's maxEpochs");
        for (int i = 0; i < 5; i++) {
            assertTrue(
                    service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED).isEmpty(),
                    "no second job while one is waiting");
        }
        assertEquals(1, store.list(MODEL, false, 10).size());
        // the labels that came meanwhile start the next job once the first has ended
        store.requestStop(started.get(0).id());
        List<Job> next = service.startDue();
        assertEquals(1, next.size(), "5 pending labels >= 3");
        assertTrue(service.startDue().isEmpty());
    }

    @Test
    void aLabelDeclaringOtherStructuresStartsNoJob() {
        LabelScope liver = LabelScope.of(Map.of("label_info", List.of(Map.of("name", "liver", "idx", 1))));
        for (int i = 0; i < 4; i++) {
            assertTrue(
                    service.labelSaved(UUID.randomUUID(), liver).isEmpty(), "tiny_seg labels an organ, not the liver");
        }
        assertTrue(service.startDue().isEmpty());
        assertEquals(0, store.list(MODEL, false, 10).size());
        LabelScope organ = LabelScope.of(Map.of("label_info", List.of(Map.of("name", "Organ", "idx", 1))));
        service.labelSaved(UUID.randomUUID(), organ);
        service.labelSaved(UUID.randomUUID(), new LabelScope(List.of(), MODEL));
        List<Job> started = service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        assertEquals(List.of(MODEL), started.stream().map(Job::model).toList(), "3 labels that may cover it");
    }

    @Test
    void labelsSavedBeforeAJobStartsAreItsOwnAndStartNoJobAfterIt() {
        for (int i = 0; i < 3; i++) {
            service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        }
        service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        Job job = store.claim("w", Duration.ofMinutes(1)).orElseThrow();
        assertTrue(store.finish(job.id(), "w", JobStatus.DONE, null, List.of()));
        assertTrue(service.startDue().isEmpty(), "the job read every label saved before it started");
        for (int i = 0; i < 3; i++) {
            service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        }
        assertEquals(2, store.list(MODEL, false, 10).size(), "labels saved after it start the next");
    }

    @Test
    void twoWorkersClaimingAtOnceNeverRunTheSameModelTwice() throws Exception {
        for (int i = 0; i < 4; i++) {
            service.submit(MODEL, Map.of(), true, null);
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
        Job job = service.submit(MODEL, Map.of("max_epochs", 2), false, null);
        Job claimed = store.claim("dying-worker", Duration.ofMillis(300)).orElseThrow();
        assertEquals(job.id(), claimed.id());
        assertEquals(1, claimed.attempts());
        assertTrue(store.claim("other-worker", Duration.ofMinutes(1)).isEmpty(), "the lease still holds");
        assertEquals(JobStatus.RUNNING, service.get(job.id()).status());
        Thread.sleep(600);
        Job orphaned = service.get(job.id());
        assertEquals(JobStatus.PAUSED, orphaned.status(), "a job on a worker that stopped renewing runs nowhere");
        assertTrue(
                orphaned.reason().startsWith("its worker dying-worker stopped renewing its lease"), orphaned.reason());
        Job taken = store.claim("other-worker", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(job.id(), taken.id());
        assertEquals("other-worker", taken.worker());
        assertEquals(2, taken.attempts());
        assertTrue(heartbeat(job.id(), "dying-worker").isEmpty(), "the old worker lost it");
        assertEquals(Optional.of(new JobStore.Signal(false, false)), heartbeat(job.id(), "other-worker"));
        assertTrue(!store.finish(job.id(), "dying-worker", JobStatus.ERROR, "late", List.of()), "cannot end it either");
    }

    @Test
    void stopEndsAWaitingJobAtOnceAndFlagsARunningOne() {
        Job waiting = service.submit(MODEL, Map.of(), false, null);
        Job queued = service.submit(MODEL, Map.of(), true, null);
        Job running = store.claim("w", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(waiting.id(), running.id());
        assertEquals(JobStatus.STOPPED, service.stop(queued.id()).status());
        Job flagged = service.stop(running.id());
        assertEquals(JobStatus.RUNNING, flagged.status());
        assertTrue(flagged.stopRequested());
        assertEquals(Optional.of(new JobStore.Signal(true, false)), heartbeat(running.id(), "w"));
    }

    @Test
    void aPausedJobIsResumedAfterItsWaitAndStopsAtOnceWhenAsked() throws Exception {
        Job job = service.submit(MODEL, Map.of(), false, null);
        store.claim("w", Duration.ofMinutes(1)).orElseThrow();
        assertTrue(store.pause(job.id(), "w", Duration.ofMillis(300), "the datastore is away", List.of("paused")));
        Job paused = service.get(job.id());
        assertEquals(JobStatus.PAUSED, paused.status());
        assertEquals("the datastore is away", paused.reason());
        assertEquals(0, paused.attempts(), "an outage uses up no try");
        assertEquals(1, service.list(MODEL, true, 10).size(), "a paused job is active");
        assertTrue(service.submit(MODEL, Map.of(), true, null).status() == JobStatus.SUBMITTED, "enqueued behind it");
        assertTrue(store.claim("w2", Duration.ofMinutes(1)).isEmpty(), "waits out its pause; the queued one waits");
        Thread.sleep(400);
        Job resumed = store.claim("w2", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(job.id(), resumed.id(), "the paused job before the one queued behind it");
        assertEquals(JobStatus.RUNNING, resumed.status());
        assertEquals(null, resumed.reason());

        assertTrue(store.pause(job.id(), "w2", Duration.ofMinutes(5), "away again", List.of()));
        Job stopped = service.stop(job.id());
        assertEquals(JobStatus.STOPPED, stopped.status(), "a paused job stops at once");
    }

    @Test
    void aRestartedWorkerTakesItsJobsBackWithoutWaitingForTheLease() {
        Job job = service.submit(MODEL, Map.of(), false, null);
        store.claim("local-worker", Duration.ofMinutes(10)).orElseThrow();
        assertTrue(store.claim("local-worker", Duration.ofMinutes(10)).isEmpty(), "leased for 10 minutes");
        assertEquals(1, store.releaseAll("local-worker"), "the worker starts again under the same name");
        Job again = store.claim("local-worker", Duration.ofMinutes(10)).orElseThrow();
        assertEquals(job.id(), again.id());
        assertEquals(2, again.attempts(), "a crash uses up a try (a job that kills its worker ends ERROR)");
    }

    @Test
    void aJobWhoseWorkerIsGoneStopsAtOnce() throws Exception {
        Job job = service.submit(MODEL, Map.of(), false, null);
        store.claim("vanished", Duration.ofMillis(200)).orElseThrow();
        Thread.sleep(300);
        Job stopped = service.stop(job.id());
        assertEquals(JobStatus.STOPPED, stopped.status(), "nobody is left to hear a stop request");
        assertTrue(service.list(MODEL, true, 10).isEmpty());
    }

    @Test
    void aUsersRequestReplacesAnAutomaticJobAndIsClaimedFirst() {
        // an automatic job waiting: the user's request (with its own max_epochs) replaces it at once
        for (int i = 0; i < 3; i++) {
            service.labelSaved(UUID.randomUUID(), LabelScope.UNDECLARED);
        }
        Job automatic = store.list(MODEL, true, 1).get(0);
        assertEquals(Job.BY_LABELS, automatic.trigger());
        Job mine = service.submit(MODEL, Map.of("max_epochs", 2), false, null);
        assertEquals(2, mine.totalEpochs(), "the user's params apply");
        assertEquals(List.of("replaces automatic job " + automatic.id() + " (SUBMITTED at epoch 0/4)"), mine.details());
        Job replaced = service.get(automatic.id());
        assertEquals(JobStatus.STOPPED, replaced.status());
        assertEquals("replaced by job " + mine.id() + ", which a user requested", replaced.reason());
        // a user's job is never replaced: a second request is refused as MONAI Label refuses it
        try {
            service.submit(MODEL, Map.of(), false, null);
            throw new AssertionError("a second user request must be refused");
        } catch (JobConflictException expected) {
            // 429
        }

        // a running automatic job of another model: stop requested, the user's job waits for it, then runs first
        Job other = store.submit("tiny_edit", Job.BY_LABELS, Map.of("model", "tiny_edit"), 6, false, null)
                .orElseThrow();
        Job older = store.submit("tiny_grow", Job.BY_LABELS, Map.of("model", "tiny_grow"), 6, false, null)
                .orElseThrow();
        assertEquals(
                mine.id(), store.claim("w", Duration.ofMinutes(1)).orElseThrow().id(), "users' jobs first");
        assertEquals(
                other.id(),
                store.claim("w2", Duration.ofMinutes(1)).orElseThrow().id(),
                "then the oldest");
        Job theirs = service.submit("tiny_edit", Map.of(), false, null);
        assertTrue(service.get(other.id()).stopRequested(), "the running automatic job is asked to stop");
        assertEquals(Optional.of(new JobStore.Signal(true, false)), heartbeat(other.id(), "w2"));
        assertEquals(
                older.id(),
                store.claim("w3", Duration.ofMinutes(1)).orElseThrow().id(),
                "tiny_edit is busy");
        assertTrue(store.finish(other.id(), "w2", JobStatus.STOPPED, null, List.of()));
        assertEquals(
                theirs.id(),
                store.claim("w2", Duration.ofMinutes(1)).orElseThrow().id());
    }

    @Test
    void automaticJobsOfTheModelAnnotatorsUseGoFirst() {
        Job older = store.submit("tiny_edit", Job.BY_LABELS, Map.of("model", "tiny_edit"), 6, false, null)
                .orElseThrow();
        Job used = store.submit("tiny_grow", Job.BY_LABELS, Map.of("model", "tiny_grow"), 6, false, null)
                .orElseThrow();
        service.used("tiny_grow");
        service.used("frozen"); // untrainable: nothing to order
        assertEquals(
                used.id(), store.claim("w", Duration.ofMinutes(1)).orElseThrow().id(), "the model in use");
        assertEquals(
                older.id(),
                store.claim("w2", Duration.ofMinutes(1)).orElseThrow().id());
        given().put("/models/no_such_model/used").then().statusCode(404);
        given().put("/models/" + MODEL + "/used").then().statusCode(204);
    }

    @Test
    void anAutomaticJobIsToldToYieldWhenAUsersJobWaitsForAWorker() throws Exception {
        Job automatic = store.submit(MODEL, Job.BY_LABELS, Map.of("model", MODEL), 4, false, null)
                .orElseThrow();
        store.claim("w", Duration.ofMinutes(1)).orElseThrow();
        assertEquals(Optional.of(new JobStore.Signal(false, false)), heartbeat(automatic.id(), "w"));
        Job mine = service.submit("tiny_edit", Map.of(), false, null);
        assertEquals(
                Optional.of(new JobStore.Signal(false, false)),
                store.heartbeat(automatic.id(), "w", Duration.ofMinutes(1), Duration.ofMinutes(1)),
                "other workers get their chance first");
        Thread.sleep(50);
        assertEquals(
                Optional.of(new JobStore.Signal(false, true)),
                store.heartbeat(automatic.id(), "w", Duration.ofMinutes(1), Duration.ofMillis(10)));
        assertTrue(store.pause(automatic.id(), "w", Duration.ZERO, "yielded", List.of()));
        assertEquals(
                mine.id(), store.claim("w", Duration.ofMinutes(1)).orElseThrow().id());
        assertEquals(
                Optional.of(new JobStore.Signal(false, false)),
                store.heartbeat(mine.id(), "w", Duration.ofMinutes(1), Duration.ZERO),
                "a user's job never yields");
        assertEquals(
                automatic.id(),
                store.claim("w2", Duration.ofMinutes(1)).orElseThrow().id(),
                "resumed");
    }

    private Optional<JobStore.Signal> heartbeat(UUID id, String worker) {
        return store.heartbeat(id, worker, Duration.ofMinutes(1), Duration.ofMinutes(1));
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
