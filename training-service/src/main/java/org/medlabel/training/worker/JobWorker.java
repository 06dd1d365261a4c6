package org.medlabel.training.worker;

import ai.onnxruntime.OrtException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.JobStatus;
import org.medlabel.api.event.TrainProgress;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.error.Outages;
import org.medlabel.platform.objectstore.BucketLayout;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.training.config.TrainingConfig;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.JobService;
import org.medlabel.training.job.JobStore;
import org.medlabel.training.publish.ModelPublisher;
import org.medlabel.training.run.JobContext;
import org.medlabel.training.run.JobStoppedException;
import org.medlabel.training.run.MemoryBudgetExceededException;
import org.medlabel.training.run.TrainingRun;

/**
 * Runs jobs one at a time on its own thread: claims the next claimable job (users' first; resumes paused ones and
 * takes over those whose worker died), renews the lease while it runs, checkpoints each epoch to the object store,
 * publishes each epoch's model that beats the job's best as the model's next version, and ends the job DONE, STOPPED
 * or ERROR, or pauses it (an outage; a user's job that needs the worker; a shutdown) to be resumed. A job that runs
 * out of memory ends ERROR and the worker goes on. Start more workers (replicas) to train several models at once; the
 * job table keeps one job per model running.
 */
@ApplicationScoped
public class JobWorker {

    private static final Logger LOG = Logger.getLogger(JobWorker.class);

    private final JobStore jobs;
    private final JobService service;
    private final TrainingRun run;
    private final ModelPublisher publisher;
    private final ModelStore objects;
    private final TrainingConfig config;
    private final Emitter<Record<String, String>> progress;
    private final EventCodec codec = new EventCodec();
    private final String worker;
    private volatile boolean running;
    private Thread thread;
    /** The job running now, whose passes a shutdown stops. */
    private volatile Context current;

    private ScheduledExecutorService heartbeats;

    public JobWorker(
            JobStore jobs,
            JobService service,
            TrainingRun run,
            ModelPublisher publisher,
            ModelStore objects,
            TrainingConfig config,
            @Channel("progress-out") Emitter<Record<String, String>> progress) {
        this.jobs = jobs;
        this.service = service;
        this.run = run;
        this.publisher = publisher;
        this.objects = objects;
        this.config = config;
        this.progress = progress;
        this.worker = config.workerId().orElseGet(JobWorker::defaultId);
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** This worker's name in the job table. */
    public String id() {
        return worker;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.workerEnabled()) {
            LOG.info("job worker disabled (medlabel.training.worker-enabled=false): this replica only serves the API");
            return;
        }
        heartbeats = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "job-heartbeat"));
        try {
            int orphans = jobs.releaseAll(worker);
            if (orphans > 0) {
                LOG.infof("resuming %d job(s) this worker (%s) held when it last stopped", orphans, worker);
            }
        } catch (RuntimeException e) {
            LOG.warnf("jobs held by %s before its restart wait for their leases: %s", worker, e.getMessage());
        }
        running = true;
        thread = daemon(this::loop, "job-worker");
        thread.start();
        LOG.infof("job worker %s started", worker);
    }

    /**
     * Stops the running job's network passes, then waits for the job thread to hand the job back: the process must not
     * exit while that thread is inside ONNX Runtime (its native state is torn down at exit: a crash). Waits less than
     * the launcher's 20 s before it kills.
     */
    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        Context job = current;
        if (job != null) {
            job.cancellation.cancel("the training worker " + worker + " is shutting down");
        }
        if (thread != null) {
            thread.interrupt();
            thread.join(15_000);
            if (thread.isAlive()) {
                LOG.warnf("the job thread did not end in 15 s; its job is taken over when its lease ends");
            }
        }
        if (heartbeats != null) {
            heartbeats.shutdownNow();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void loop() {
        while (running) {
            try {
                Optional<Job> claimed = jobs.claim(worker, config.lease());
                if (claimed.isPresent()) {
                    runJob(claimed.get());
                } else {
                    Thread.sleep(config.poll().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("job worker: %s; retrying in %s", e.getMessage(), config.poll());
                sleepQuietly();
            }
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(config.poll().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runJob(Job job) {
        try (Context ctx = new Context(job)) {
            current = ctx;
            runJob(ctx);
        } catch (OrtException e) {
            LOG.warnf("job %s: no ONNX Runtime run options: %s", job.id(), e.getMessage());
        } finally {
            current = null;
        }
    }

    private void runJob(Context ctx) {
        Job job = ctx.job;
        if (job.attempts() > config.maxAttempts()) {
            ctx.log("given up: its worker vanished " + (job.attempts() - 1) + " times while running it");
            end(ctx, JobStatus.ERROR, "worker lost " + (job.attempts() - 1) + " times");
            return;
        }
        if (job.stopRequested()) { // asked to stop while its worker was gone
            ctx.log("stopped by request");
            end(ctx, JobStatus.STOPPED, null);
            return;
        }
        ScheduledFuture<?> heartbeat = heartbeats.scheduleWithFixedDelay(
                ctx::heartbeat,
                config.heartbeat().toMillis(),
                config.heartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            ctx.log(
                    job.attempts() > 1
                            ? "taken over by " + worker + " (attempt " + job.attempts() + ")"
                            : "started on " + worker);
            TrainingRun.Outcome outcome = run.execute(ctx);
            heartbeat.cancel(false);
            String result = outcome.bestEpoch() == 0
                    ? String.format(
                            "no epoch beat version %d's validation Dice %.4f: nothing published",
                            outcome.baseVersion(), outcome.dice())
                    : String.format(
                            "best: version %d, validation Dice %.4f at epoch %d",
                            ctx.version, outcome.dice(), outcome.bestEpoch());
            ctx.log("done after " + outcome.epochs() + " epochs; " + result);
            if (jobs.finish(job.id(), worker, JobStatus.DONE, null, ctx.details())) {
                emit(job, JobStatus.DONE, ctx.lastEpoch, null, outcome.dice(), result);
                ctx.deleteCheckpoint();
            }
        } catch (JobStoppedException e) {
            switch (e.kind()) {
                case LEASE_LOST -> LOG.warnf("job %s: %s", job.id(), e.getMessage());
                case STOPPED -> {
                    ctx.log("stopped by request");
                    end(ctx, JobStatus.STOPPED, null);
                }
                case YIELDED -> pause(ctx, Duration.ZERO, e.getMessage());
            }
        } catch (MemoryBudgetExceededException e) {
            ctx.log("failed: " + e.getMessage());
            end(ctx, JobStatus.ERROR, e.getMessage());
            service.doesNotFit(job.model(), e.getMessage());
        } catch (OutOfMemoryError e) {
            // The job's arrays are unreachable once its frames are gone: the worker lives on for the next job.
            String reason = "out of memory (" + e.getMessage() + ") with "
                    + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB of heap: give the training service more (-Xmx, MEDLABEL_TRAINING_JAVA_OPTS) or train"
                    + " with a smaller train_batch_size";
            LOG.errorf("job %s: %s", job.id(), reason);
            ctx.log("failed: " + reason);
            end(ctx, JobStatus.ERROR, reason);
        } catch (Exception e) {
            // a refused connection has no message: its class says what happened
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!running) { // this worker is being shut down (its thread interrupted): no fault of the job
                pause(ctx, Duration.ZERO, "its worker " + worker + " shut down; the next free worker resumes it");
                return;
            }
            // An outage pauses the job without using up a try: a restart or failover of a dependency must not end a
            // long job; it resumes from its checkpoint when the dependency is back (or the user stops it).
            if (Outages.isOutage(e)) {
                LOG.warnf("job %s: %s; tried again in %s", job.id(), reason, config.outageRetry());
                pause(
                        ctx,
                        config.outageRetry(),
                        reason + "; tried again in " + config.outageRetry().toSeconds() + " s");
                return;
            }
            LOG.errorf(e, "job %s failed", job.id());
            ctx.log("failed: " + reason);
            end(ctx, JobStatus.ERROR, reason);
        } finally {
            heartbeat.cancel(false);
        }
    }

    /** Pauses the job (its checkpoint stays): it is resumed once {@code after} has passed. */
    private void pause(Context ctx, Duration after, String reason) {
        ctx.log("paused: " + reason);
        if (jobs.pause(ctx.job.id(), worker, after, reason, ctx.details())) {
            emit(ctx.job, JobStatus.PAUSED, ctx.lastEpoch, null, null, reason);
        }
    }

    private void end(Context ctx, JobStatus status, String error) {
        ctx.deleteCheckpoint();
        if (jobs.finish(ctx.job.id(), worker, status, error, ctx.details())) {
            emit(ctx.job, status, ctx.lastEpoch, null, null, error == null ? status.name() : error);
        }
    }

    private void emit(Job job, JobStatus status, int epoch, Double loss, Double dice, String message) {
        TrainProgress event = TrainProgress.of(
                job.id().toString(),
                job.model(),
                status,
                Math.min(epoch, job.totalEpochs()),
                job.totalEpochs(),
                loss,
                dice,
                message);
        // Progress is informative: a lost event is never waited for, and the job table has the truth.
        progress.send(Record.of(event.key(), codec.toJson(event))).exceptionally(e -> {
            LOG.debugf("progress event not sent: %s", e.getMessage());
            return null;
        });
    }

    /** Objects are per epoch, so the job row, written after them, always names a complete one. */
    public static String checkpointKey(UUID job, int epoch) {
        return BucketLayout.checkpoint(job, epoch);
    }

    /** A job's view of this worker. */
    private final class Context implements JobContext, AutoCloseable {

        private final Job job;
        private final Cancellation cancellation;
        private final Deque<String> details = new ArrayDeque<>();
        private volatile boolean stop;
        private volatile boolean yieldToUser;
        private volatile boolean leaseLost;
        private int lastEpoch;
        /** The best version this job published so far. */
        private Integer version;

        Context(Job job) throws OrtException {
            this.job = job;
            this.cancellation = Cancellation.create();
            this.details.addAll(job.details());
            this.lastEpoch = job.epoch();
            this.version = job.version();
        }

        @Override
        public Job job() {
            return job;
        }

        @Override
        public Cancellation cancellation() {
            return cancellation;
        }

        @Override
        public void close() {
            cancellation.close();
        }

        void heartbeat() {
            try {
                Optional<JobStore.Signal> signal =
                        jobs.heartbeat(job.id(), worker, config.lease(), config.yieldAfter());
                if (signal.isEmpty()) {
                    leaseLost = true;
                } else {
                    stop |= signal.get().stop();
                    yieldToUser |= signal.get().yieldToUser();
                }
            } catch (RuntimeException e) {
                // The database is away: keep training; the lease covers several missed heartbeats.
                LOG.warnf("job %s: heartbeat failed (%s)", job.id(), e.getMessage());
            }
        }

        @Override
        public boolean stopRequested() {
            if (leaseLost) {
                throw new JobStoppedException(
                        JobStoppedException.Kind.LEASE_LOST, "the lease was lost: another worker owns the job now");
            }
            if (yieldToUser && !stop) {
                throw new JobStoppedException(
                        JobStoppedException.Kind.YIELDED,
                        "a user's job needed the worker; resumes from epoch " + lastEpoch + " once it is free");
            }
            return stop;
        }

        @Override
        public synchronized void log(String line) {
            LOG.infof("job %s (%s): %s", job.id(), job.model(), line);
            details.addLast(line);
            while (details.size() > config.detailLines()) {
                details.removeFirst();
            }
        }

        void deleteCheckpoint() {
            if (lastEpoch > 0) {
                objects.deleteQuietly(checkpointKey(job.id(), lastEpoch));
            }
        }

        synchronized List<String> details() {
            return new ArrayList<>(details);
        }

        @Override
        public Optional<Resume> resume() {
            if (job.epoch() == 0 || job.baseVersion() == null) {
                return Optional.empty();
            }
            return Optional.of(new Resume(
                    job.epoch(),
                    job.baseVersion(),
                    objects.read(checkpointKey(job.id(), job.epoch())),
                    job.bestMetric(),
                    job.bestEpoch()));
        }

        /**
         * The checkpoint object first, then (an improved epoch) the model as the next version, the version row and the
         * epoch's record in one transaction, then the announcement: a crash in between leaves objects nobody names.
         */
        @Override
        public void epochDone(Epoch e) {
            stopRequested(); // a worker that lost the job writes nothing more
            objects.write(checkpointKey(job.id(), e.epoch()), e.checkpoint());
            Integer published = jobs.transaction(c -> {
                Integer v =
                        e.best() == null ? null : publisher.store(c, job.id(), job.model(), e.best(), e.bestMetric());
                if (!jobs.recordEpoch(
                        c,
                        job.id(),
                        worker,
                        e.baseVersion(),
                        e.epoch(),
                        e.bestMetric(),
                        e.bestEpoch(),
                        v,
                        e.stats(),
                        details())) {
                    throw new JobStoppedException(
                            JobStoppedException.Kind.LEASE_LOST, "the job is no longer this worker's");
                }
                return v;
            });
            if (lastEpoch > 0) {
                objects.deleteQuietly(checkpointKey(job.id(), lastEpoch));
            }
            lastEpoch = e.epoch();
            String message = "epoch " + e.epoch();
            if (published != null) {
                version = published;
                publisher.announce(job.id(), job.model(), published, e.bestMetric());
                message = String.format(
                        "epoch %d: published version %d (validation Dice %.4f)", e.epoch(), published, e.bestMetric());
                log(message);
            }
            emit(job, JobStatus.RUNNING, e.epoch(), e.loss(), e.dice(), message);
        }
    }
}
