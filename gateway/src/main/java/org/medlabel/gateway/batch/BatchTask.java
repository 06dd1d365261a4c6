package org.medlabel.gateway.batch;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

/** One run over images (a batch inference, a scoring), shown as MONAI Label's task object plus its counts. */
final class BatchTask {

    enum Status {
        SUBMITTED,
        RUNNING,
        DONE,
        ERROR,
        STOPPED
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final int DETAIL_LINES = 20;

    final String id = UUID.randomUUID().toString();
    final String model;
    final JsonObject request;
    private final String verb;
    private final Instant started = Instant.now();
    private final Deque<String> details = new ArrayDeque<>();
    private final JsonObject result = new JsonObject();
    private volatile Status status = Status.SUBMITTED;
    private volatile Instant ended;
    private volatile boolean stopRequested;
    private int total;
    private int done;
    private int failed;

    /** {@code verb}: what the run does to each image (with the model, if any), for its log ("inferring", ...). */
    BatchTask(String model, JsonObject request, String verb) {
        this.model = model;
        this.request = request;
        this.verb = verb;
    }

    synchronized void running(int images) {
        total = images;
        status = Status.RUNNING;
        log(verb + " " + images + " image(s)" + (model == null ? "" : " with " + model));
    }

    synchronized void succeeded(String image, JsonObject outcome) {
        done++;
        result.put(image, outcome);
    }

    synchronized void failed(String image, String why) {
        failed++;
        result.put(image, new JsonObject().put("error", why));
        log(image + ": " + why);
    }

    synchronized void end(Status end, String why) {
        status = end;
        ended = Instant.now();
        log(why);
    }

    void stop() {
        stopRequested = true;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    boolean active() {
        return status == Status.SUBMITTED || status == Status.RUNNING;
    }

    Status status() {
        return status;
    }

    synchronized void log(String line) {
        details.addLast(TIME.format(Instant.now()) + " " + line);
        while (details.size() > DETAIL_LINES) {
            details.removeFirst();
        }
    }

    /** The task object; with {@code withResult}, each image's outcome too (MONAI Label's {@code run_sync} answer). */
    synchronized JsonObject json(boolean withResult) {
        JsonObject t = new JsonObject()
                .put("id", id)
                .put("status", status.name())
                .put("request", request)
                .put("start_ts", TIME.format(started));
        if (ended != null) {
            t.put("end_ts", TIME.format(ended));
        }
        t.put("details", new JsonArray(details.stream().toList()))
                .put("total", total)
                .put("done", done)
                .put("failed", failed);
        if (withResult) {
            t.put("result", result.copy());
        }
        return t;
    }
}
