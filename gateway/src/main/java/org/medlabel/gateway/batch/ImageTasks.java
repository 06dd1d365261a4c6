package org.medlabel.gateway.batch;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * The runs of one kind of MONAI Label task over datastore images (batch inference, scoring), in this gateway: one run
 * at a time (429 while one is active, as MONAI Label), one image at a time (interactive requests keep their place in
 * the inference queue), a failed image recorded and skipped, a stop honoured after the image in progress, the last
 * {@value #HISTORY} runs kept for MONAI Label's status calls.
 */
final class ImageTasks {

    private static final Logger LOG = Logger.getLogger(ImageTasks.class);
    private static final int PAGE = 500;
    private static final int HISTORY = 20;

    private final String kind;
    private final Upstreams services;
    private final AtomicReference<BatchTask> active = new AtomicReference<>();
    private final Deque<BatchTask> history = new ArrayDeque<>();

    /** {@code kind}: the task's name in MONAI Label's messages ("Batch_infer", "Scoring"). */
    ImageTasks(String kind, Upstreams services) {
        this.kind = kind;
        this.services = services;
    }

    /** Images by name as MONAI Label's batch body gives them: all, labeled (with a final label), unlabeled. */
    static Predicate<JsonObject> selection(String name) {
        return switch (name) {
            case "all" -> entry -> true;
            case "labeled" -> ImageTasks::labeled;
            case "unlabeled" -> entry -> !labeled(entry);
            default -> throw new IllegalArgumentException("no selection " + name);
        };
    }

    /** Whether a datastore view entry has a final label. */
    static boolean labeled(JsonObject entry) {
        return entry.getJsonObject("labels", new JsonObject()).containsKey("final");
    }

    /**
     * Starts {@code task} over the images whose datastore view entry ({@code image.info}, {@code labels}) passes
     * {@code selection}, {@code perImage} for each; the Uni ends when it is accepted ({@code sync}: when it ended) with
     * the task object.
     */
    Uni<JsonObject> start(
            BatchTask task,
            Predicate<JsonObject> selection,
            String requestId,
            BiFunction<BatchTask, String, Uni<Void>> perImage,
            boolean sync) {
        if (!active.compareAndSet(null, task)) {
            throw ApiError.of(429, "++++++++++ " + kind + " Task is Already Running");
        }
        remember(task);
        Uni<Void> run = ids(selection, requestId)
                .flatMap(ids -> {
                    task.running(ids.size());
                    return Multi.createFrom()
                            .iterable(ids)
                            .onItem()
                            .transformToUniAndConcatenate(id -> task.stopRequested()
                                    ? Uni.createFrom().voidItem()
                                    : perImage.apply(task, id).onFailure().recoverWithItem(e -> {
                                        task.failed(id, e.getMessage());
                                        return null;
                                    }))
                            .collect()
                            .last();
                })
                .invoke(() ->
                        task.end(task.stopRequested() ? BatchTask.Status.STOPPED : BatchTask.Status.DONE, "finished"))
                .onFailure()
                .invoke(e -> task.end(BatchTask.Status.ERROR, "failed: " + e.getMessage()))
                .onFailure()
                .recoverWithNull()
                .eventually(() -> active.compareAndSet(task, null))
                .replaceWithVoid()
                .memoize()
                .indefinitely();
        if (sync) {
            return run.map(v -> task.json(true));
        }
        run.subscribe().with(v -> {}, e -> LOG.warnf("%s %s: %s", kind, task.id, e));
        return Uni.createFrom().item(task.json(false));
    }

    boolean active() {
        return active.get() != null;
    }

    /** The active run (stopping after the image in progress), or null when none is. */
    JsonObject stop() {
        BatchTask task = active.get();
        if (task == null) {
            return null;
        }
        task.stop();
        task.log("stop requested");
        return task.json(false);
    }

    /** MONAI Label's GET of the task: the running one, every one, or the latest; null when there is none. */
    Object status(boolean all, boolean running) {
        synchronized (history) {
            if (all) {
                return new JsonArray(history.stream().map(t -> t.json(false)).toList());
            }
            BatchTask task = running ? active.get() : history.peekLast();
            return task == null ? null : task.json(false);
        }
    }

    private void remember(BatchTask task) {
        synchronized (history) {
            history.addLast(task);
            while (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
    }

    /** The ids of the selected images, read page by page from the datastore's view. */
    private Uni<List<String>> ids(Predicate<JsonObject> selection, String requestId) {
        return page(null, selection, requestId, new ArrayList<>());
    }

    private Uni<List<String>> page(String after, Predicate<JsonObject> selection, String requestId, List<String> into) {
        Outgoing out = Outgoing.to(HttpMethod.GET, "/view")
                .query("after", after)
                .query("limit", PAGE)
                .header(Api.REQUEST_ID, requestId);
        return services.datastore().call(out).flatMap(reply -> {
            if (!reply.ok()) {
                throw new IllegalStateException("the datastore answered " + reply.status() + " listing images");
            }
            JsonObject view = reply.json();
            view.getJsonObject("objects").forEach(e -> {
                if (selection.test((JsonObject) e.getValue())) {
                    into.add(e.getKey());
                }
            });
            String next = view.getString("next_after");
            return next == null ? Uni.createFrom().item(into) : page(next, selection, requestId, into);
        });
    }

    /**
     * Records the answer of the call that stores an image's result: {@code outcome} on success, else the failure with
     * {@code what} failed and the service's detail.
     */
    static void record(BatchTask task, String image, Upstream.Reply saved, JsonObject outcome, String what) {
        if (saved.ok()) {
            task.succeeded(image, outcome);
        } else {
            task.failed(image, what + " failed (" + saved.status() + "): " + detail(saved.body()));
        }
    }

    /** A service's error {@code detail}, or the start of its body. */
    static String detail(Buffer body) {
        try {
            return new JsonObject(body).getString("detail", body.toString());
        } catch (RuntimeException e) {
            return body.length() > 200 ? body.getString(0, 200) : body.toString();
        }
    }
}
