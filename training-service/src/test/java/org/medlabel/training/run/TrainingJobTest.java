package org.medlabel.training.run;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.minio.MinioClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.JobStatus;
import org.medlabel.api.event.LabelSaved;
import org.medlabel.api.event.LabelScope;
import org.medlabel.api.event.ModelPublished;
import org.medlabel.api.event.Topics;
import org.medlabel.api.event.TrainProgress;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.DeepGrowCrop;
import org.medlabel.app.preprocess.GridPoints;
import org.medlabel.app.preprocess.IntensityStep;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.metric.Centroids;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.objectstore.Bucket;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.testinfra.InfraTestResource;
import org.medlabel.testinfra.TestInfra;
import org.medlabel.training.FakeDatastore;
import org.medlabel.training.TrainingData;
import org.medlabel.training.WorkerProfile;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobStore;
import org.medlabel.training.worker.JobWorker;

/**
 * The training worker on real PostgreSQL, Kafka and S3: final labels alone start a job that publishes a better model,
 * a stop request ends a job without publishing, and a job whose worker died resumes from its last checkpoint.
 */
@QuarkusTest
@TestProfile(WorkerProfile.class)
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeDatastore.class)
class TrainingJobTest {

    private static final String MODEL = "tiny_seg";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private final EventCodec codec = new EventCodec();

    @Inject
    DataSource dataSource;

    @Inject
    JobStore store;

    @Inject
    TrainingRun run;

    @Inject
    ModelStore models;

    @Inject
    MinioClient minio;

    @Inject
    Bucket bucket;

    @Inject
    AppDefinition app;

    @BeforeEach
    void clean() throws Exception {
        TrainingData.reset(dataSource);
        for (long seed = 1; seed <= 8; seed++) {
            TrainingData.addPhantom(seed);
        }
    }

    @Test
    void finalLabelsAloneStartAJobThatPublishesABetterModel() throws Exception {
        // from version 0: earlier tests' versions may be good already, and a job publishes only what beats its start
        for (int v = models.latestVersion(MODEL).orElse(0); v >= 1; v--) {
            models.deleteQuietly(ModelStore.key(MODEL, v));
        }
        int before = models.latestVersion(MODEL).orElse(-1);
        try (KafkaProducer<String, String> producer = producer()) {
            LabelSaved duplicated = LabelSaved.of("phantom_1", "final", 1, "ab", LabelScope.UNDECLARED);
            send(producer, duplicated);
            send(producer, duplicated); // redelivered: counts once
            send(producer, LabelSaved.of("phantom_2", "original", 1, "ab", LabelScope.UNDECLARED)); // not final
            send(producer, LabelSaved.of("phantom_2", "final", 1, "ab", LabelScope.UNDECLARED));
            assertTrue(store.list(MODEL, false, 10).isEmpty(), "2 of 3 final labels: no job yet");
            send(producer, LabelSaved.of("phantom_3", "final", 1, "ab", LabelScope.UNDECLARED));
        }
        Job job = await(
                "a job started by the third final label",
                () -> store.list(MODEL, false, 10).stream()
                        .filter(j -> j.status() == JobStatus.DONE || j.status() == JobStatus.ERROR)
                        .findFirst());
        assertEquals(JobStatus.DONE, job.status(), "job details: " + job.details() + ", error: " + job.error());
        assertEquals(Job.BY_LABELS, job.trigger());
        assertEquals(1, store.list(MODEL, false, 10).size(), "one job for three labels and a redelivery");
        assertNotNull(job.version(), "details: " + job.details());
        assertTrue(job.version() > Math.max(before, 0), "a new version: " + job.version());
        assertEquals(job.version(), models.latestVersion(MODEL).orElseThrow());
        long published = job.details().stream()
                .filter(l -> l.matches("epoch \\d: published version \\d+ \\(validation Dice .*\\)"))
                .count();
        assertTrue(published >= 1, "each improved epoch published its version: " + job.details());
        assertTrue(
                job.details()
                        .get(job.details().size() - 1)
                        .matches("done after 4 epochs; best: version " + job.version()
                                + ", validation Dice .* at epoch \\d"),
                job.details().toString());

        List<Integer> announced = new ArrayList<>();
        List<TrainProgress> progress = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(Topics.MODELS, Topics.TRAIN_PROGRESS)) {
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline)
                    && (announced.size() < published
                            || progress.stream().noneMatch(p -> p.status() == JobStatus.DONE))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.topic().equals(Topics.MODELS)) {
                        ModelPublished m = codec.fromJson(r.value(), ModelPublished.class);
                        if (job.id().toString().equals(m.jobId())) {
                            assertEquals(ModelStore.key(MODEL, m.version()), m.objectKey());
                            announced.add(m.version());
                        }
                    } else {
                        TrainProgress p = codec.fromJson(r.value(), TrainProgress.class);
                        if (p.jobId().equals(job.id().toString())) {
                            progress.add(p);
                        }
                    }
                }
            }
        }
        assertEquals(published, announced.size(), "ModelPublished once per published version: " + announced);
        assertEquals(job.version(), announced.get(announced.size() - 1), "the last one announced is the best");
        for (int i = 1; i < announced.size(); i++) {
            assertTrue(announced.get(i) > announced.get(i - 1), "versions rise: " + announced);
        }
        assertEquals(
                List.of(1, 2, 3, 4),
                progress.stream()
                        .filter(p -> p.status() == JobStatus.RUNNING)
                        .map(TrainProgress::epoch)
                        .toList(),
                "a progress event per epoch");

        Map<String, Object> stats =
                given().get("/stats").then().statusCode(200).extract().path(MODEL);
        assertEquals(4, stats.get("epoch"));
        assertEquals(4, stats.get("total_epochs"));
        assertNotNull(stats.get("total_time"), "the last epoch's stats carry total_time");
        assertEquals(job.bestMetric(), ((Number) stats.get("best_metric")).doubleValue(), 1e-6); // read as float

        ModelDefinition definition = app.models().get(MODEL);
        double untrained = heldOutDice(NetworkFactory.build(MODEL, definition).toByteArray(), definition);
        double trained = heldOutDice(models_read(job.version()), definition);
        System.out.printf(
                "held-out Dice: version 0 %.3f, version %d %.3f (validation %.3f)%n",
                untrained, job.version(), trained, job.bestMetric());
        assertTrue(trained >= 0.6 && trained > untrained + 0.3, "held-out Dice " + untrained + " -> " + trained);
    }

    @Test
    void aStopRequestEndsARunningJobStoppedWithoutPublishing() throws Exception {
        int before = models.latestVersion(MODEL).orElse(-1);
        String id = startJob(1000);
        await("the job running", () -> store.get(UUID.fromString(id)).filter(j -> j.status() == JobStatus.RUNNING));
        given().delete("/jobs/" + id).then().statusCode(200);
        Job stopped = await(
                "the job stopped",
                () -> store.get(UUID.fromString(id)).filter(j -> j.status().isTerminal()));
        assertEquals(JobStatus.STOPPED, stopped.status(), "details: " + stopped.details());
        assertTrue(
                stopped.details().contains("stopped by request"),
                stopped.details().toString());
        assertEquals(before, models.latestVersion(MODEL).orElse(-1), "nothing published");
    }

    @Test
    void aJobWaitsOutADatastoreOutageInsteadOfFailing() throws Exception {
        // four tries meet a datastore being restarted (more than max-attempts); the fifth finds it back. Each try is
        // the shared client's three attempts at the read.
        FakeDatastore.UNAVAILABLE.set(4 * 3);
        String id = startJob(1);
        Job done = await(
                "the job finished",
                () -> store.get(UUID.fromString(id)).filter(j -> j.status().isTerminal()));
        assertEquals(JobStatus.DONE, done.status(), "details: " + done.details() + ", error: " + done.error());
        assertEquals(1, done.attempts(), "pauses for an outage use up no try");
        assertEquals(
                4,
                done.details().stream()
                        .filter(l -> l.startsWith("paused: the datastore service is unavailable (HTTP 503)")
                                && l.endsWith("tried again in 1 s"))
                        .count(),
                done.details().toString());
        assertTrue(
                done.details().get(done.details().size() - 1).startsWith("done after 1 epochs; "),
                done.details().toString());
    }

    @Test
    void anAutomaticJobGivesItsWorkerToAUsersJobAndResumesAfterIt() throws Exception {
        Job automatic = store.submit(
                        MODEL, Job.BY_LABELS, Map.of("model", MODEL, "max_epochs", 1000), 1000, false, null)
                .orElseThrow();
        await(
                "the automatic job past its first epoch",
                () -> store.get(automatic.id()).filter(j -> j.epoch() >= 1));
        Job mine = trainByRequest("tiny_grow_2d", "{\"max_epochs\": 1}");
        Job paused = store.get(automatic.id()).orElseThrow();
        assertTrue(
                paused.details().stream().anyMatch(l -> l.startsWith("paused: a user's job needed the worker")),
                paused.details().toString());
        assertTrue(mine.startTs().isBefore(Instant.now()));
        Job resumed = await(
                "the automatic job resumed",
                () -> store.get(automatic.id())
                        .filter(j -> j.status() == JobStatus.RUNNING
                                && j.details().stream().anyMatch(l -> l.startsWith("resumed after epoch "))));
        assertEquals(1, resumed.attempts(), "giving the worker away uses up no try");
        given().delete("/jobs/" + automatic.id()).then().statusCode(200);
        await(
                "the automatic job stopped",
                () -> store.get(automatic.id()).filter(j -> j.status().isTerminal()));
    }

    @Test
    void aJobWhoseBatchCannotFitEndsWithAReasonAndTheWorkerGoesOn() throws Exception {
        String id =
                given().post("/jobs/oversized").then().statusCode(200).extract().path("id");
        Job failed = await(
                "the oversized job ended",
                () -> store.get(UUID.fromString(id)).filter(j -> j.status().isTerminal()));
        assertEquals(JobStatus.ERROR, failed.status());
        assertTrue(
                failed.error()
                        .matches("a batch of 256 crops of 256x256x256 needs 32768 MiB of heap for its arrays,"
                                + " more than half of the training service's \\d+ MiB: train with a smaller train_batch_size,"
                                + " or give the service more heap \\(-Xmx in MEDLABEL_TRAINING_JAVA_OPTS\\)"),
                failed.error());
        assertEquals(
                JobStatus.DONE, trainByRequest(MODEL, "{\"max_epochs\": 1}").status(), "the worker lives on");
    }

    @Test
    void aJobWhoseWorkerDiedResumesFromItsLastCheckpoint() throws Exception {
        // A worker runs epoch 1 of a 2-epoch job, records it as the worker would, and dies.
        UUID id = UUID.randomUUID();
        Job job = runningJob(id, 2);
        JobContext.Epoch[] first = new JobContext.Epoch[1];
        try {
            run.execute(new DyingContext(job, first));
        } catch (IllegalStateException e) {
            assertEquals("killed", e.getMessage());
        }
        JobContext.Epoch e = first[0];
        models.write(JobWorker.checkpointKey(id, 1), e.checkpoint());
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO training.jobs (id, model, status, trigger,"
                        + " request, start_ts, worker, lease_until, attempts, base_version, epoch, total_epochs,"
                        + " best_metric, best_epoch, details) VALUES (?, ?, 'RUNNING', 'request', ?::jsonb, now(),"
                        + " 'dead-worker', now() - interval '1 second', 1, ?, 1, 2, ?, ?, '[\"epoch 1 done\"]')")) {
            s.setObject(1, id);
            s.setString(2, MODEL);
            s.setString(3, "{\"model\": \"" + MODEL + "\", \"max_epochs\": 2}");
            s.setInt(4, e.baseVersion());
            s.setDouble(5, e.bestMetric());
            s.setInt(6, e.bestEpoch());
            s.executeUpdate();
        }
        Job done = await(
                "the job taken over and finished",
                () -> store.get(id).filter(j -> j.status().isTerminal()));
        assertEquals(JobStatus.DONE, done.status(), "details: " + done.details() + ", error: " + done.error());
        assertEquals("test-worker", done.worker());
        assertEquals(2, done.attempts());
        assertEquals(2, done.epoch());
        assertTrue(
                done.details().stream().anyMatch(l -> l.equals("resumed after epoch 1 from its checkpoint")),
                done.details().toString());
        assertTrue(done.details().stream().noneMatch(l -> l.startsWith("epoch 1/")), "epoch 1 was not run again");
        assertTrue(
                done.details().stream().anyMatch(l -> l.startsWith("epoch 2/2: ")),
                done.details().toString());
    }

    @Test
    void deepEditTrainsWithSimulatedClicksAndSegmentsWithAndWithoutThem() throws Exception {
        Job job = trainByRequest("tiny_edit");
        assertTrue(job.version() >= 1, "trained versions count from 1, 0 is the built network: " + job.version());
        ModelDefinition d = app.models().get("tiny_edit");
        byte[] untrained = NetworkFactory.build("tiny_edit", d).toByteArray();
        byte[] trained = models.read(ModelStore.key("tiny_edit", job.version()));
        double before = deepEditDice(untrained, d, false);
        double auto = deepEditDice(trained, d, false);
        double clicked = deepEditDice(trained, d, true);
        System.out.printf(
                "DeepEdit held-out Dice: version 0 %.3f; version %d %.3f without clicks, %.3f with one%n",
                before, job.version(), auto, clicked);
        assertTrue(auto >= 0.6 && auto > before + 0.3, "without clicks: " + before + " -> " + auto);
        assertTrue(clicked >= 0.6, "with a click on the organ: " + clicked);
    }

    /** An untrained 2-D network already scores ~0.6 (the organ fills much of its slice's crop), hence its bar. */
    @ParameterizedTest
    @CsvSource({"tiny_grow, 0.6, 0.3", "tiny_grow_2d, 0.85, 0.25"})
    void deepGrowTrainsOnSimulatedClicksAroundOneStructure(String model, double least, double gain) throws Exception {
        Job job = trainByRequest(model);
        ModelDefinition d = app.models().get(model);
        double before = deepGrowDice(NetworkFactory.build(model, d).toByteArray(), d);
        double after = deepGrowDice(models.read(ModelStore.key(model, job.version())), d);
        System.out.printf(
                "%s held-out Dice, one click at the organ's centre: version 0 %.3f, version %d %.3f%n",
                model, before, job.version(), after);
        assertTrue(after >= least && after > before + gain, model + " held-out Dice " + before + " -> " + after);
    }

    /** Held-out DeepGrow Dice on the crop inference takes around one click at the organ's centre (2-D: its slice). */
    private static double deepGrowDice(byte[] onnx, ModelDefinition d) throws Exception {
        Parallel parallel = Parallel.sequential();
        Resampler resampler = new Resampler(parallel);
        return meanOverHeldOut(onnx, (session, p) -> {
            double[] centre = Centroids.of(p.label()).get(1);
            Grid grid = DeepGrowCrop.grid(d.guidance(), Grid.of(p.image()), List.of(centre), List.of());
            Volume image = IntensityStep.apply(d.pre(), resampler.resample(p.image(), grid, Interpolation.LINEAR));
            Volume truth = resampler.resample(p.label(), grid, Interpolation.NEAREST);
            List<double[]> click = GridPoints.map(List.of(centre), Grid.of(p.image()), grid);
            Volume guidance = new GuidanceMap(d.guidance().sigma()).apply(image, List.of(click, List.of()));
            Volume logits = NetworkRunner.run(session, Channels.stack(List.of(image, guidance)), d.inferer());
            byte[] mask = new byte[logits.voxelCount()];
            for (int v = 0; v < mask.length; v++) {
                mask[v] = logits.voxels().get(v) > 0 ? (byte) 1 : 0;
            }
            return Dice.of(
                    new Volume(grid.nx(), grid.ny(), grid.nz(), grid.affine(), new VoxelBuffer.UInt8(mask)), truth, 1);
        });
    }

    /** Scores a model on one held-out phantom. */
    @FunctionalInterface
    private interface PhantomScore {
        double score(OrtSession session, Phantoms.Phantom phantom) throws Exception;
    }

    /** The mean score of a model over 3 phantoms no job trained on. */
    private static double meanOverHeldOut(byte[] onnx, PhantomScore score) throws Exception {
        double sum = 0;
        int n = 3;
        try (OrtSession session =
                OrtEnvironment.getEnvironment().createSession(onnx, new OrtSession.SessionOptions())) {
            for (int i = 0; i < n; i++) {
                sum += score.score(session, Phantoms.make(TrainingData.SIZE, 1000 + i));
            }
        }
        return sum / n;
    }

    /** Starts a job for {@code model} over REST and waits until it ended DONE. */
    /** MONAI Label's {@code pretrained: false}: the job starts from scratch, and must still beat the version served. */
    @Test
    void pretrainedFalseStartsFromAFreshNetworkWithTheServedVersionAsTheBar() throws Exception {
        int served = models.latestVersion(MODEL).orElse(0);
        Job job = trainByRequest(MODEL, "{\"pretrained\": false, \"max_epochs\": 1}");
        assertTrue(
                job.details().stream().anyMatch(l -> l.contains("from a fresh initialisation (pretrained: false)")),
                job.details().toString());
        assertTrue(
                job.details().stream().anyMatch(l -> l.startsWith("version " + served + " scores validation Dice")),
                "the bar is the version served: " + job.details());
    }

    private Job trainByRequest(String model) throws Exception {
        return trainByRequest(model, "{}");
    }

    private Job trainByRequest(String model, String params) throws Exception {
        String id = given().body(params)
                .post("/jobs/" + model)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        Job job = await(
                model + "'s job ended",
                () -> store.get(UUID.fromString(id)).filter(j -> j.status().isTerminal()));
        assertEquals(JobStatus.DONE, job.status(), "details: " + job.details() + ", error: " + job.error());
        return job;
    }

    /** Held-out DeepEdit Dice on the network grid, without clicks or with one at the organ's centre. */
    private static double deepEditDice(byte[] onnx, ModelDefinition d, boolean click) throws Exception {
        Parallel parallel = Parallel.sequential();
        Resampler resampler = new Resampler(parallel);
        Channels channels = new Channels(parallel);
        return meanOverHeldOut(onnx, (session, p) -> {
            NetworkGrid ng = NetworkGrid.of(d.pre(), p.image(), parallel);
            Volume image =
                    IntensityStep.apply(d.pre(), resampler.resample(ng.oriented(), ng.grid(), Interpolation.LINEAR));
            Volume truth = resampler.resample(p.label(), ng.grid(), Interpolation.NEAREST);
            List<double[]> organ = new ArrayList<>();
            if (click) {
                organ.add(Centroids.of(truth).get(1));
            }
            Volume guidance = new GuidanceMap(d.guidance().sigma()).apply(image, List.of(organ, List.of()));
            Volume logits = NetworkRunner.run(session, Channels.stack(List.of(image, guidance)), d.inferer());
            return Dice.of(channels.argmax(logits), truth, 1);
        });
    }

    /** A job row as a worker holds it, never run before ({@code epochs} to run). */
    private static Job runningJob(UUID id, int epochs) {
        return new Job(
                id,
                MODEL,
                JobStatus.RUNNING,
                Job.BY_REQUEST,
                Map.of("model", MODEL, "max_epochs", epochs),
                Instant.now(),
                Instant.now(),
                null,
                "dead-worker",
                1,
                false,
                null,
                0,
                epochs,
                null,
                null,
                null,
                List.of(),
                null,
                null,
                null);
    }

    @Test
    void aShutdownStopsTheJobsNetworkPassesAtOnce() throws Exception {
        Job job = runningJob(UUID.randomUUID(), 2);
        try (Cancellation cancellation = Cancellation.create()) {
            // the worker shuts down as the job starts training: the next pass fails instead of running
            List<JobContext.Epoch> epochs = new ArrayList<>();
            JobContext ctx = new JobContext() {
                public Job job() {
                    return job;
                }

                public boolean stopRequested() {
                    return false;
                }

                public Cancellation cancellation() {
                    return cancellation;
                }

                public void log(String line) {
                    if (line.startsWith("training ")) {
                        cancellation.cancel("the worker is shutting down");
                    }
                }

                public Optional<Resume> resume() {
                    return Optional.empty();
                }

                public void epochDone(Epoch epoch) {
                    epochs.add(epoch);
                }
            };
            var stopped = assertThrows(Cancellation.CancelledException.class, () -> run.execute(ctx));
            assertEquals("stopped: the worker is shutting down", stopped.getMessage());
            assertEquals(List.of(), epochs, "no epoch ran after the cancel");
        }
    }

    /** A job context whose worker dies right after recording epoch 1. */
    private record DyingContext(Job job, JobContext.Epoch[] recorded) implements JobContext {
        @Override
        public boolean stopRequested() {
            return false;
        }

        @Override
        public void log(String line) {}

        @Override
        public Optional<Resume> resume() {
            return Optional.empty();
        }

        @Override
        public void epochDone(Epoch epoch) {
            recorded[0] = epoch;
            throw new IllegalStateException("killed");
        }
    }

    private byte[] models_read(int version) {
        return models.read(ModelStore.key(MODEL, version));
    }

    /** Mean Dice of a model on phantoms no job saw, pre-processed as the app says. */
    private static double heldOutDice(byte[] onnx, ModelDefinition d) throws Exception {
        Channels channels = new Channels(Parallel.sequential());
        return meanOverHeldOut(onnx, (session, p) -> {
            var logits = NetworkRunner.run(session, IntensityStep.apply(d.pre(), p.image()), d.inferer());
            return Dice.mean(channels.argmax(logits), p.label());
        });
    }

    /** A job of {@code epochs} epochs by request; its id. */
    private static String startJob(int epochs) {
        return given().body("{\"max_epochs\": " + epochs + "}")
                .post("/jobs/" + MODEL)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private static <T> T await(String what, Supplier<Optional<T>> probe) throws InterruptedException {
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            Optional<T> found = probe.get();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private void send(KafkaProducer<String, String> producer, LabelSaved event) throws Exception {
        producer.send(new ProducerRecord<>(WorkerProfile.LABELS_TOPIC, event.key(), codec.toJson(event)))
                .get();
        Thread.sleep(300); // let the consumer act on it, so the "no job yet" check sees its effect
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestInfra.endpoints().kafkaBootstrapServers());
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String... topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.endpoints().kafkaBootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "training-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        c.subscribe(List.of(topics));
        return c;
    }
}
