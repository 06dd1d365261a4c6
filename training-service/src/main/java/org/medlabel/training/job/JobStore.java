package org.medlabel.training.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.medlabel.api.event.JobStatus;

/**
 * The job table and the label counters (schema {@code training}), in plain SQL: claiming, leases and per-model locks
 * are clearer as the statements PostgreSQL runs than through an ORM. Every method is one transaction. Submissions for
 * one model serialise on a transaction-scoped advisory lock, so "is one active?" and "insert" cannot interleave across
 * workers.
 */
@ApplicationScoped
public class JobStore {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
    private static final TypeReference<List<String>> LINES = new TypeReference<>() {};
    private static final String ACTIVE = "status IN ('SUBMITTED', 'RUNNING', 'PAUSED')";
    /** Every column, and the database's clock, by which a RUNNING row whose lease ran out reads as PAUSED. */
    private static final String COLUMNS = "*, now() AS db_now";

    private final DataSource dataSource;

    public JobStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A unit of work on one connection inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public <T> T transaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true); // the connection goes back to the pool as it came
            }
        } catch (SQLException e) {
            throw new IllegalStateException("training database: " + e.getMessage(), e);
        }
    }

    /**
     * A new SUBMITTED job, unless one for the model is active and {@code enqueue} is false: then a user's request
     * replaces an automatic job (stopped: a waiting or paused one at once, a running one at its next heartbeat; the
     * versions it published stay, so the user's job goes on from the best of them), and anything else is refused. With
     * an {@code eventId} (a request that came as an event), a redelivery of the same event starts nothing.
     *
     * @return the job; empty when the event was handled before
     * @throws JobConflictException when a job the new one may not replace is active and {@code enqueue} is false
     */
    public Optional<Job> submit(
            String model, String trigger, Map<String, Object> request, int totalEpochs, boolean enqueue, UUID eventId) {
        return transaction(c -> {
            if (eventId != null && !firstDelivery(c, eventId)) {
                return Optional.<Job>empty();
            }
            lockModel(c, model);
            Optional<Job> active = enqueue ? Optional.empty() : active(c, model);
            if (active.isEmpty()) {
                return Optional.of(insert(c, model, trigger, request, totalEpochs, List.of()));
            }
            Job replaced = active.get();
            if (!Job.BY_REQUEST.equals(trigger) || replaced.byUser()) {
                throw new JobConflictException(model);
            }
            String note = String.format(
                    "replaces automatic job %s (%s at epoch %d/%d)",
                    replaced.id(), replaced.status(), replaced.epoch(), replaced.totalEpochs());
            Job job = insert(c, model, trigger, request, totalEpochs, List.of(note));
            stop(c, replaced.id(), "replaced by job " + job.id() + ", which a user requested");
            return Optional.of(job);
        });
    }

    private static boolean firstDelivery(Connection c, UUID eventId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO training.processed_events (event_id) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setObject(1, eventId);
            return s.executeUpdate() == 1;
        }
    }

    /**
     * Counts a final label for each model once per event: a redelivered event changes nothing. A model whose count
     * reaches its threshold gets a job, unless one is active (the count then waits for the next check).
     *
     * @return the jobs this label started
     */
    public List<Job> countLabel(UUID eventId, Map<String, Integer> thresholds, Map<String, Integer> epochs) {
        return transaction(c -> {
            if (!firstDelivery(c, eventId)) {
                return List.<Job>of();
            }
            List<Job> started = new ArrayList<>();
            for (Map.Entry<String, Integer> e : thresholds.entrySet()) {
                String model = e.getKey();
                lockModel(c, model);
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO training.label_triggers (model, pending, last_label_at) VALUES (?, 1, now())"
                                + " ON CONFLICT (model) DO UPDATE SET pending = label_triggers.pending + 1,"
                                + " last_label_at = now()")) {
                    s.setString(1, model);
                    s.executeUpdate();
                }
                startIfDue(c, model, e.getValue(), null, epochs.get(model)).ifPresent(started::add);
            }
            return started;
        });
    }

    /** Records that annotators just got a result from {@code model}: its automatic jobs are claimed first. */
    public void markUsed(String model) {
        transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO training.label_triggers (model, last_used_at)"
                    + " VALUES (?, now()) ON CONFLICT (model) DO UPDATE SET last_used_at = now()")) {
                s.setString(1, model);
                return s.executeUpdate();
            }
        });
    }

    /** Jobs for models whose pending labels reached their threshold or waited out their quiet interval. */
    public List<Job> startDue(
            Map<String, Integer> thresholds, Map<String, Duration> quiet, Map<String, Integer> epochs) {
        return transaction(c -> {
            List<Job> started = new ArrayList<>();
            for (Map.Entry<String, Integer> e : thresholds.entrySet()) {
                lockModel(c, e.getKey());
                startIfDue(c, e.getKey(), e.getValue(), quiet.get(e.getKey()), epochs.get(e.getKey()))
                        .ifPresent(started::add);
            }
            return started;
        });
    }

    private Optional<Job> startIfDue(Connection c, String model, int threshold, Duration quiet, int totalEpochs)
            throws SQLException {
        int pending;
        Instant last;
        try (PreparedStatement s =
                c.prepareStatement("SELECT pending, last_label_at FROM training.label_triggers WHERE model = ?")) {
            s.setString(1, model);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                pending = rs.getInt(1);
                last = instant(rs, "last_label_at");
            }
        }
        boolean due = pending >= threshold
                || (pending > 0
                        && quiet != null
                        && last != null
                        && last.plus(quiet).isBefore(Instant.now()));
        if (!due || active(c, model).isPresent()) {
            return Optional.empty();
        }
        try (PreparedStatement s =
                c.prepareStatement("UPDATE training.label_triggers SET pending = 0 WHERE model = ?")) {
            s.setString(1, model);
            s.executeUpdate();
        }
        return Optional.of(insert(c, model, Job.BY_LABELS, Map.of("model", model), totalEpochs, List.of()));
    }

    /**
     * Takes the next claimable job for {@code worker}: users' jobs before automatic ones; within each, a job to resume
     * (PAUSED, or RUNNING on a worker that stopped renewing its lease) before a new one, then the job of the model
     * annotators used last, then the oldest. A job waits
     * while another job of its model runs or is paused. Concurrent claimers skip each other's rows; if two still pick
     * jobs of the same model, the unique index refuses the second and it claims nothing this time.
     */
    public Optional<Job> claim(String worker, Duration lease) {
        try {
            return transaction(c -> {
                try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs SET status = 'RUNNING', worker = ?,"
                        + " lease_until = now() + ? * interval '1 millisecond', start_ts = coalesce(start_ts, now()),"
                        + " attempts = attempts + 1, reason = NULL WHERE id = (SELECT j.id FROM training.jobs j LEFT"
                        + " JOIN training.label_triggers t ON t.model = j.model WHERE (j.status IN ('RUNNING',"
                        + " 'PAUSED') AND j.lease_until < now()) OR (j.status = 'SUBMITTED' AND NOT EXISTS (SELECT 1"
                        + " FROM training.jobs r WHERE r.model = j.model AND r.status IN ('RUNNING', 'PAUSED'))) ORDER"
                        + " BY (j.trigger = 'request') DESC, (j.status <> 'SUBMITTED') DESC, t.last_used_at DESC NULLS"
                        + " LAST, j.created_at LIMIT 1 FOR UPDATE OF j SKIP LOCKED) RETURNING " + COLUMNS)) {
                    s.setString(1, worker);
                    s.setLong(2, lease.toMillis());
                    Optional<Job> claimed;
                    try (ResultSet rs = s.executeQuery()) {
                        claimed = rs.next() ? Optional.of(job(rs)) : Optional.<Job>empty();
                    }
                    if (claimed.isPresent()) {
                        // the job reads the datalist as it starts: the labels saved so far are its own, and must not
                        // start another job after it
                        try (PreparedStatement reset =
                                c.prepareStatement("UPDATE training.label_triggers SET pending = 0 WHERE model = ?")) {
                            reset.setString(1, claimed.get().model());
                            reset.executeUpdate();
                        }
                    }
                    return claimed;
                }
            });
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Pauses {@code worker}'s running job without ending it, for {@code reason}: a worker (this one or another) claims
     * it again once {@code after} has passed and resumes it from its last checkpoint. No fault of the job (an outage,
     * a shutdown, a user's job that needed the worker): the try its claim took is given back, so only vanished workers
     * use up {@code max-attempts}.
     */
    public boolean pause(UUID id, String worker, Duration after, String reason, List<String> details) {
        return transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs SET status = 'PAUSED', lease_until ="
                    + " now() + ? * interval '1 millisecond', attempts = attempts - 1, reason = ?, details = ?::jsonb"
                    + " WHERE id = ? AND worker = ? AND status = 'RUNNING'")) {
                s.setLong(1, after.toMillis());
                s.setString(2, reason);
                s.setString(3, json(details));
                s.setObject(4, id);
                s.setString(5, worker);
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Makes the jobs {@code worker} holds claimable at once. A worker that starts holds nothing yet, so jobs under its
     * name are its previous life's (it was killed): with a stable worker id they are resumed without waiting for
     * their lease.
     *
     * @return how many jobs were handed back
     */
    public int releaseAll(String worker) {
        return transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE training.jobs SET lease_until = now() WHERE worker = ? AND status = 'RUNNING'")) {
                s.setString(1, worker);
                return s.executeUpdate();
            }
        });
    }

    /** What a heartbeat tells a running job: a user asked it to stop, or it should give its worker to a user's job. */
    public record Signal(boolean stop, boolean yieldToUser) {}

    /**
     * Renews {@code worker}'s lease on a running job. An automatic job is told to yield when a user's job has waited
     * {@code yieldAfter} for a worker (other workers had their chance to claim it).
     *
     * @return the signal; empty when the job is no longer this worker's (the lease was lost)
     */
    public Optional<Signal> heartbeat(UUID id, String worker, Duration lease, Duration yieldAfter) {
        return transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs j SET lease_until = now() + ? *"
                    + " interval '1 millisecond' WHERE id = ? AND worker = ? AND status = 'RUNNING' RETURNING"
                    + " stop_requested, trigger = 'labels' AND EXISTS (SELECT 1 FROM training.jobs w WHERE w.status ="
                    + " 'SUBMITTED' AND w.trigger = 'request' AND w.created_at < now() - ? * interval '1 millisecond'"
                    + " AND NOT EXISTS (SELECT 1 FROM training.jobs r WHERE r.model = w.model AND r.status IN"
                    + " ('RUNNING', 'PAUSED')))")) {
                s.setLong(1, lease.toMillis());
                s.setObject(2, id);
                s.setString(3, worker);
                s.setLong(4, yieldAfter.toMillis());
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next()
                            ? Optional.of(new Signal(rs.getBoolean(1), rs.getBoolean(2)))
                            : Optional.<Signal>empty();
                }
            }
        });
    }

    /**
     * Records a finished epoch of {@code worker}'s running job, and the version it published when the epoch improved
     * the job's best, inside the caller's transaction; false when the job is no longer its own.
     */
    public boolean recordEpoch(
            Connection c,
            UUID id,
            String worker,
            Integer baseVersion,
            int epoch,
            Double bestMetric,
            Integer bestEpoch,
            Integer version,
            Map<String, Object> stats,
            List<String> details)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs SET base_version = ?, epoch = ?,"
                + " best_metric = ?, best_epoch = ?, version = coalesce(?, version), stats = ?::jsonb, details ="
                + " ?::jsonb WHERE id = ? AND worker = ? AND status = 'RUNNING'")) {
            s.setObject(1, baseVersion);
            s.setInt(2, epoch);
            s.setObject(3, bestMetric);
            s.setObject(4, bestEpoch);
            s.setObject(5, version);
            s.setString(6, json(stats));
            s.setString(7, json(details));
            s.setObject(8, id);
            s.setString(9, worker);
            return s.executeUpdate() == 1;
        }
    }

    /** Ends {@code worker}'s running job as {@code status}; the version it published stays its result. */
    public boolean finish(UUID id, String worker, JobStatus status, String error, List<String> details) {
        return transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs SET status = ?, end_ts = now(), error"
                    + " = ?, details = ?::jsonb, lease_until = NULL WHERE id = ? AND worker = ? AND status ="
                    + " 'RUNNING'")) {
                s.setString(1, status.name());
                s.setString(2, error);
                s.setString(3, json(details));
                s.setObject(4, id);
                s.setString(5, worker);
                return s.executeUpdate() == 1;
            }
        });
    }

    /**
     * Asks a job to stop: a running one at its worker's next heartbeat, any other (waiting, paused, or on a worker that
     * stopped renewing its lease) at once.
     *
     * @return the job after the request; empty when there is no such job
     */
    public Optional<Job> requestStop(UUID id) {
        return transaction(c -> {
            stop(c, id, null);
            return find(c, id);
        });
    }

    private static void stop(Connection c, UUID id, String reason) throws SQLException {
        String live = "(status = 'RUNNING' AND lease_until >= now())"; // a worker that can still hear the request
        try (PreparedStatement s = c.prepareStatement("UPDATE training.jobs SET status = CASE WHEN " + live
                + " THEN status ELSE 'STOPPED' END, end_ts = CASE WHEN " + live + " THEN end_ts ELSE now() END,"
                + " stop_requested = " + live + ", lease_until = CASE WHEN " + live + " THEN lease_until END,"
                + " reason = coalesce(?, reason) WHERE id = ? AND " + ACTIVE)) {
            s.setString(1, reason);
            s.setObject(2, id);
            s.executeUpdate();
        }
    }

    public Optional<Job> get(UUID id) {
        return transaction(c -> find(c, id));
    }

    /** The newest jobs first, of one model or all ({@code model} null), at most {@code limit}. */
    public List<Job> list(String model, boolean activeOnly, int limit) {
        return transaction(c -> {
            String where = (model == null ? "TRUE" : "model = ?") + (activeOnly ? " AND " + ACTIVE : "");
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM training.jobs WHERE " + where + " ORDER BY created_at DESC LIMIT ?")) {
                int i = 1;
                if (model != null) {
                    s.setString(i++, model);
                }
                s.setInt(i, limit);
                List<Job> jobs = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        jobs.add(job(rs));
                    }
                }
                return jobs;
            }
        });
    }

    /** Each model's {@code train_stats} from its latest job that finished an epoch. */
    public Map<String, Map<String, Object>> latestStats() {
        return transaction(c -> {
            Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT ON (model) model, stats FROM training.jobs"
                            + " WHERE stats IS NOT NULL ORDER BY model, created_at DESC");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), read(rs.getString(2), OBJECT));
                }
            }
            return out;
        });
    }

    private static void lockModel(Connection c, String model) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('training.job:' || ?))")) {
            s.setString(1, model);
            s.executeQuery().close();
        }
    }

    private static Optional<Job> active(Connection c, String model) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM training.jobs WHERE model = ? AND "
                + ACTIVE + " ORDER BY created_at LIMIT 1")) {
            s.setString(1, model);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(job(rs)) : Optional.empty();
            }
        }
    }

    private static Job insert(
            Connection c,
            String model,
            String trigger,
            Map<String, Object> request,
            int totalEpochs,
            List<String> details)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO training.jobs (id, model, status, trigger, request,"
                + " total_epochs, details) VALUES (?, ?, 'SUBMITTED', ?, ?::jsonb, ?, ?::jsonb) RETURNING "
                + COLUMNS)) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, model);
            s.setString(3, trigger);
            s.setString(4, json(request));
            s.setInt(5, totalEpochs);
            s.setString(6, json(details));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return job(rs);
            }
        }
    }

    static Optional<Job> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM training.jobs WHERE id = ?")) {
            s.setObject(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(job(rs)) : Optional.empty();
            }
        }
    }

    private static Job job(ResultSet rs) throws SQLException {
        String stats = rs.getString("stats");
        JobStatus status = JobStatus.valueOf(rs.getString("status"));
        String reason = rs.getString("reason");
        Instant lease = instant(rs, "lease_until");
        if (status == JobStatus.RUNNING && lease != null && lease.isBefore(instant(rs, "db_now"))) {
            status = JobStatus.PAUSED;
            reason = "its worker " + rs.getString("worker") + " stopped renewing its lease (gone since " + lease
                    + "); the next free worker resumes it from its last checkpoint";
        }
        return new Job(
                rs.getObject("id", UUID.class),
                rs.getString("model"),
                status,
                rs.getString("trigger"),
                read(rs.getString("request"), OBJECT),
                instant(rs, "created_at"),
                instant(rs, "start_ts"),
                instant(rs, "end_ts"),
                rs.getString("worker"),
                rs.getInt("attempts"),
                rs.getBoolean("stop_requested"),
                (Integer) rs.getObject("base_version"),
                rs.getInt("epoch"),
                rs.getInt("total_epochs"),
                (Double) rs.getObject("best_metric"),
                (Integer) rs.getObject("best_epoch"),
                stats == null ? null : read(stats, OBJECT),
                read(rs.getString("details"), LINES),
                rs.getString("error"),
                (Integer) rs.getObject("version"),
                reason);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in the job table: " + e.getMessage(), e);
        }
    }
}
