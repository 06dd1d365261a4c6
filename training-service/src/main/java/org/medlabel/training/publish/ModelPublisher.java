package org.medlabel.training.publish;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.ModelPublished;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.training.job.JobStore;

/**
 * Turns a job's best model so far into the model's next version: the object first, then the version row inside the
 * caller's transaction (which records the job's epoch alongside), then {@code ModelPublished} once it committed. The
 * version table is this service's outbox: a version whose event Kafka has not acknowledged is sent again until it is,
 * so a crash after the commit never loses the announcement (consumers see a version at least once; serving a version
 * twice is a no-op for inference).
 */
@ApplicationScoped
public class ModelPublisher {

    private static final Logger LOG = Logger.getLogger(ModelPublisher.class);
    private static final long SEND_TIMEOUT_SECONDS = 10;

    private final JobStore jobs;
    private final ModelStore store;
    private final Emitter<Record<String, String>> models;
    private final EventCodec codec = new EventCodec();

    public ModelPublisher(
            JobStore jobs, ModelStore store, @Channel("models-out") Emitter<Record<String, String>> models) {
        this.jobs = jobs;
        this.store = store;
        this.models = models;
    }

    /**
     * Stores {@code onnx} as the next version of {@code model} ({@code jobId} null: imported), inside the caller's
     * transaction; announce it with
     * {@link #announce} after that commits. A rolled-back transaction leaves a complete model object nobody announces.
     *
     * @return the version
     */
    public int store(Connection c, UUID jobId, String model, byte[] onnx, Double dice) throws SQLException {
        return store(c, jobId, model, onnx, dice, null);
    }

    private int store(Connection c, UUID jobId, String model, byte[] onnx, Double dice, String importedBy)
            throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('training.version:' || ?))")) {
            s.setString(1, model);
            s.executeQuery().close();
        }
        // Version 0 is the built network every replica can rebuild; trained versions count from 1.
        int v = Math.max(0, Math.max(store.latestVersion(model).orElse(0), highestRecorded(c, model))) + 1;
        String key = ModelStore.key(model, v);
        store.write(key, onnx);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO training.model_versions (model, version,"
                + " object_key, job_id, dice, imported_by) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, model);
            s.setInt(2, v);
            s.setString(3, key);
            s.setObject(4, jobId);
            s.setObject(5, dice);
            s.setString(6, importedBy);
            s.executeUpdate();
        }
        return v;
    }

    /**
     * A user's model (already converted to ONNX and checked by inference, which loaded it) as the model's next version:
     * allocated, stored and announced exactly as a trained one, so two writers never take the same number and the
     * announcement survives a crash.
     *
     * @return the version
     */
    public int importVersion(String model, byte[] onnx, String importedBy) {
        int version = jobs.transaction(c -> store(c, null, model, onnx, null, importedBy));
        announce(null, model, version, null);
        return version;
    }

    /** Tells inference about a stored version (after the transaction that stored it committed). */
    public void announce(UUID jobId, String model, int version, Double dice) {
        announce(new Pending(model, version, ModelStore.key(model, version), dice, jobId));
    }

    private static int highestRecorded(Connection c, String model) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("SELECT coalesce(max(version), -1) FROM training.model_versions WHERE model = ?")) {
            s.setString(1, model);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Versions stored but not yet acknowledged by Kafka: sent again. The first run waits one interval: at start-up the
     * scheduler can fire before the emitter's channel is connected (logged as an error).
     */
    @Scheduled(
            every = "${medlabel.training.republish-every:15s}",
            delayed = "${medlabel.training.republish-every:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resendUnannounced() {
        List<Pending> pending = jobs.transaction(c -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT model, version, object_key, dice, job_id FROM"
                            + " training.model_versions WHERE published_at IS NULL AND created_at < now() - interval '5"
                            + " seconds' ORDER BY created_at");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Pending(
                            rs.getString(1),
                            rs.getInt(2),
                            rs.getString(3),
                            (Double) rs.getObject(4),
                            rs.getObject(5, UUID.class)));
                }
            }
            return out;
        });
        pending.forEach(this::announce);
    }

    private void announce(Pending p) {
        ModelPublished event =
                ModelPublished.of(p.model, p.version, p.objectKey, p.dice, p.jobId == null ? null : p.jobId.toString());
        try {
            models.send(Record.of(event.key(), codec.toJson(event)))
                    .toCompletableFuture()
                    .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("model %s version %d stored; its announcement waits for Kafka (%s)", p.model, p.version, e);
            return;
        }
        jobs.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE training.model_versions SET published_at = now()" + " WHERE model = ? AND version = ?")) {
                s.setString(1, p.model);
                s.setInt(2, p.version);
                return s.executeUpdate();
            }
        });
        LOG.infof(
                "published model %s version %d (%s)",
                p.model, p.version, p.jobId == null ? "imported" : "dice " + p.dice + ", job " + p.jobId);
    }

    private record Pending(String model, int version, String objectKey, Double dice, UUID jobId) {}
}
