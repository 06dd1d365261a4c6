package org.medlabel.training.task;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One run over datastore images (a batch inference or a scoring), as the task table holds it.
 *
 * @param images the ids the run covers, fixed when it starts listing (null until then)
 * @param result each image's outcome so far, by image id: a run resumed by another replica goes on after them
 */
public record ImageTask(
        UUID id,
        Kind kind,
        String model,
        Map<String, Object> request,
        String status,
        List<String> images,
        int total,
        int done,
        int failed,
        Map<String, Object> result,
        List<String> details,
        boolean stopRequested,
        String worker,
        Instant createdAt,
        Instant startTs,
        Instant endTs) {

    /** The two kinds, each with its name in MONAI Label's messages. */
    public enum Kind {
        BATCH_INFER("batch_infer", "Batch_infer"),
        SCORING("scoring", "Scoring");

        final String column;
        final String monaiName;

        Kind(String column, String monaiName) {
            this.column = column;
            this.monaiName = monaiName;
        }

        static Kind ofColumn(String column) {
            for (Kind k : values()) {
                if (k.column.equals(column)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no task kind " + column);
        }
    }

    static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    public boolean active() {
        return status.equals("SUBMITTED") || status.equals("RUNNING");
    }

    /**
     * MONAI Label's task object ({@code id}, {@code status}, {@code request}, {@code start_ts}, {@code end_ts},
     * {@code details}) plus the counts; with {@code withResult}, each image's outcome (MONAI Label's {@code run_sync}
     * answer).
     */
    public Map<String, Object> view(boolean withResult) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", id.toString());
        t.put("status", status);
        t.put("request", request);
        t.put("start_ts", TIME.format(startTs == null ? createdAt : startTs));
        if (endTs != null) {
            t.put("end_ts", TIME.format(endTs));
        }
        t.put("details", details);
        t.put("total", total);
        t.put("done", done);
        t.put("failed", failed);
        t.put("stop_requested", stopRequested);
        t.put("worker", worker);
        if (withResult) {
            t.put("result", result);
        }
        return t;
    }
}
