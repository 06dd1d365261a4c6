package org.medlabel.training.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
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
import org.medlabel.training.job.JobStore;

/**
 * The task table ({@code training.image_tasks}) in plain SQL, on the training database's transactions. A task is
 * held by the replica whose lease it carries; any replica reads it, asks it to stop, or takes it over once the lease
 * ran out. Details are appended in SQL (the last {@value #DETAIL_LINES} kept), so a stop request written by one replica
 * and progress written by another never overwrite each other.
 */
@ApplicationScoped
public class ImageTaskStore {

    static final int DETAIL_LINES = 20;
    /** Tasks kept per kind for MONAI Label's {@code all} listing. */
    static final int HISTORY = 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACTIVE = "status IN ('SUBMITTED', 'RUNNING')";
    private static final String APPEND = "details = (SELECT coalesce(jsonb_agg(e ORDER BY n), '[]') FROM (SELECT e, n"
            + " FROM jsonb_array_elements(details || jsonb_build_array(?::text)) WITH ORDINALITY AS t(e, n) ORDER BY n"
            + " DESC LIMIT " + DETAIL_LINES + ") last)";

    private final JobStore db;

    public ImageTaskStore(JobStore db) {
        this.db = db;
    }

    /** A new task held by {@code worker}; empty when a task of its kind is active (one at a time, cluster-wide). */
    public Optional<ImageTask> insert(
            ImageTask.Kind kind, String model, Map<String, Object> request, String worker, Duration lease) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO training.image_tasks (id, kind, model, request,"
                    + " status, worker, lease_until, details) VALUES (?, ?, ?, ?::jsonb, 'SUBMITTED', ?, now() + ?"
                    + " * interval '1 millisecond', jsonb_build_array(?::text)) ON CONFLICT DO NOTHING RETURNING *")) {
                s.setObject(1, UUID.randomUUID());
                s.setString(2, kind.column);
                s.setString(3, model);
                s.setString(4, json(request));
                s.setString(5, worker);
                s.setLong(6, lease.toMillis());
                s.setString(7, line("submitted"));
                return one(s);
            }
        });
    }

    /**
     * Takes a task for {@code worker}: one still SUBMITTED by it, or any active one whose lease ran out (its replica
     * died) or that this worker held before a restart. The task comes back RUNNING, leased.
     */
    public Optional<ImageTask> claim(UUID id, String worker, Duration lease) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.image_tasks SET status = 'RUNNING', worker"
                    + " = ?, lease_until = now() + ? * interval '1 millisecond', start_ts = coalesce(start_ts, now())"
                    + " WHERE id = ? AND " + ACTIVE + " AND (worker = ? OR lease_until < now()) RETURNING *")) {
                s.setString(1, worker);
                s.setLong(2, lease.toMillis());
                s.setObject(3, id);
                s.setString(4, worker);
                return one(s);
            }
        });
    }

    /** Active tasks another replica left (lease run out) or this worker held before it restarted. */
    public List<UUID> orphans(String worker) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM training.image_tasks WHERE " + ACTIVE
                    + " AND (worker = ? OR lease_until < now()) ORDER BY created_at")) {
                s.setString(1, worker);
                List<UUID> ids = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        ids.add(r.getObject(1, UUID.class));
                    }
                }
                return ids;
            }
        });
    }

    /** Fixes the images a run covers. */
    public void listed(UUID id, List<String> images, String line) {
        update(id, "images = ?::jsonb, total = ?, " + APPEND, s -> {
            s.setString(1, json(images));
            s.setInt(2, images.size());
            s.setString(3, line(line));
            return 4;
        });
    }

    /** What a run does after an image: go on, stop (asked to), or let go (another replica took the task over). */
    public enum Next {
        GO_ON,
        STOP,
        LOST
    }

    /**
     * Records one image's outcome and renews the lease; a {@code failure} (null on success) counts as failed and goes
     * into the details.
     */
    public Next record(
            UUID id, String worker, Duration lease, String image, Map<String, Object> outcome, String failure) {
        return db.transaction(c -> {
            String counts = failure == null ? "done = done + 1" : "failed = failed + 1, " + APPEND;
            try (PreparedStatement s = c.prepareStatement("UPDATE training.image_tasks SET result = result ||"
                    + " jsonb_build_object(?::text, ?::jsonb), lease_until = now() + ? * interval '1 millisecond', "
                    + counts + " WHERE id = ? AND worker = ? AND " + ACTIVE + " RETURNING stop_requested")) {
                int i = 1;
                s.setString(i++, image);
                s.setString(i++, json(outcome));
                s.setLong(i++, lease.toMillis());
                if (failure != null) {
                    s.setString(i++, line(image + ": " + failure));
                }
                s.setObject(i++, id);
                s.setString(i, worker);
                try (ResultSet r = s.executeQuery()) {
                    return !r.next() ? Next.LOST : r.getBoolean(1) ? Next.STOP : Next.GO_ON;
                }
            }
        });
    }

    /** Renews the leases of the tasks {@code worker} runs (a long image must not look like a dead replica). */
    public void renew(String worker, Duration lease) {
        db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.image_tasks SET lease_until = now() + ? *"
                    + " interval '1 millisecond' WHERE worker = ? AND " + ACTIVE)) {
                s.setLong(1, lease.toMillis());
                s.setString(2, worker);
                return s.executeUpdate();
            }
        });
    }

    /** Ends the task with {@code status} (DONE, STOPPED, ERROR) and a last detail line. */
    public void end(UUID id, String status, String line) {
        update(id, "status = ?, end_ts = now(), lease_until = NULL, " + APPEND, s -> {
            s.setString(1, status);
            s.setString(2, line(line));
            return 3;
        });
    }

    /** Asks the active task of {@code kind} to stop after the image in progress; the task, if one was active. */
    public Optional<ImageTask> requestStop(ImageTask.Kind kind) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.image_tasks SET stop_requested = true, "
                    + APPEND + " WHERE kind = ? AND " + ACTIVE + " RETURNING *")) {
                s.setString(1, line("stop requested"));
                s.setString(2, kind.column);
                return one(s);
            }
        });
    }

    public Optional<ImageTask> find(UUID id) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training.image_tasks WHERE id = ?")) {
                s.setObject(1, id);
                return one(s);
            }
        });
    }

    /** The tasks of a kind, newest first: the active one only, or up to {@code limit}. */
    public List<ImageTask> list(ImageTask.Kind kind, boolean activeOnly, int limit) {
        return db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM training.image_tasks WHERE kind = ?"
                    + (activeOnly ? " AND " + ACTIVE : "") + " ORDER BY created_at DESC LIMIT ?")) {
                s.setString(1, kind.column);
                s.setInt(2, limit);
                List<ImageTask> tasks = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        tasks.add(task(r));
                    }
                }
                return tasks;
            }
        });
    }

    /**
     * Records the segmentation versions served now; returns those not recorded before (each version is rescored once
     * cluster-wide, however many gateways report it).
     */
    public List<String> newVersions(Map<String, Integer> served) {
        return db.transaction(c -> {
            List<String> changed = new ArrayList<>();
            for (Map.Entry<String, Integer> e : served.entrySet()) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO training.scored_versions (model, version)"
                        + " VALUES (?, ?) ON CONFLICT (model) DO UPDATE SET version = excluded.version WHERE"
                        + " scored_versions.version <> excluded.version")) {
                    s.setString(1, e.getKey());
                    s.setInt(2, e.getValue());
                    if (s.executeUpdate() == 1) {
                        changed.add(e.getKey() + " version " + e.getValue());
                    }
                }
            }
            return changed;
        });
    }

    @FunctionalInterface
    private interface Binder {
        /** Binds the SET clause's parameters; returns the index of the next one. */
        int bind(PreparedStatement s) throws SQLException;
    }

    private void update(UUID id, String set, Binder binder) {
        db.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE training.image_tasks SET " + set + " WHERE id = ?")) {
                s.setObject(binder.bind(s), id);
                return s.executeUpdate();
            }
        });
    }

    private static Optional<ImageTask> one(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            return r.next() ? Optional.of(task(r)) : Optional.empty();
        }
    }

    private static ImageTask task(ResultSet r) throws SQLException {
        String images = r.getString("images");
        return new ImageTask(
                r.getObject("id", UUID.class),
                ImageTask.Kind.ofColumn(r.getString("kind")),
                r.getString("model"),
                parse(r.getString("request"), new TypeReference<Map<String, Object>>() {}),
                r.getString("status"),
                images == null ? null : parse(images, new TypeReference<List<String>>() {}),
                r.getInt("total"),
                r.getInt("done"),
                r.getInt("failed"),
                parse(r.getString("result"), new TypeReference<Map<String, Object>>() {}),
                parse(r.getString("details"), new TypeReference<List<String>>() {}),
                r.getBoolean("stop_requested"),
                r.getString("worker"),
                instant(r.getTimestamp("created_at")),
                instant(r.getTimestamp("start_ts")),
                instant(r.getTimestamp("end_ts")));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** A detail line as MONAI Label's task logs read: local time, then the text. */
    private static String line(String text) {
        return ImageTask.TIME.format(Instant.now()) + " " + text;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task table holds unreadable JSON: " + e.getMessage(), e);
        }
    }
}
