package org.medlabel.training.rest;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.training.job.Job;

/**
 * A job as MONAI Label's task object ({@code id}, {@code status}, {@code request}, {@code start_ts}, {@code end_ts},
 * {@code details}; times as local {@code %Y-%m-%d %H:%M:%S}), plus what MedLabel knows besides: model, trigger,
 * epoch progress, best metric, the best version it published so far, the error, why it is paused, the worker.
 */
final class TaskView {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private TaskView() {}

    static Map<String, Object> of(Job job) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", job.id().toString());
        t.put("status", job.status().name());
        t.put("request", job.request());
        t.put("start_ts", TIME.format(job.startTs() == null ? job.createdAt() : job.startTs()));
        if (job.endTs() != null) {
            t.put("end_ts", TIME.format(job.endTs()));
        }
        t.put("details", job.details());
        t.put("model", job.model());
        t.put("trigger", job.trigger());
        t.put("epoch", job.epoch());
        t.put("total_epochs", job.totalEpochs());
        t.put("best_metric", job.bestMetric());
        t.put("version", job.version());
        t.put("error", job.error());
        t.put("reason", job.reason());
        t.put("worker", job.worker());
        t.put("attempt", job.attempts());
        t.put("stop_requested", job.stopRequested());
        return t;
    }
}
