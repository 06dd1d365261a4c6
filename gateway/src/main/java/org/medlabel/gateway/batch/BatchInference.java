package org.medlabel.gateway.batch;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.medlabel.gateway.http.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's batch inference: a model run over every image ({@code all}), the labeled or the unlabeled ones, each
 * result saved in the datastore under {@code label_tag} ({@code original} by default) with MONAI Label's label info
 * {@code {"model", "params": <result JSON>}}. One run at a time per gateway (as MONAI Label per server), one image at a
 * time, so interactive requests keep their place in the inference queue; a failed image is recorded and skipped.
 */
@Singleton
public class BatchInference {

    /** Which images a run covers. */
    static final Set<String> SELECTIONS = Set.of("all", "labeled", "unlabeled");

    /** Keys of MONAI Label's batch body that configure the run rather than the inference. */
    static final Set<String> RUN_KEYS = Set.of(
            "device", "multi_gpu", "gpus", "logging", "save_label", "label_tag", "max_workers", "max_batch_size");

    private static final Logger LOG = Logger.getLogger(BatchInference.class);
    private static final int PAGE = 500;
    private static final int HISTORY = 20;

    private final Upstreams services;
    private final AtomicReference<BatchTask> active = new AtomicReference<>();
    private final Deque<BatchTask> history = new ArrayDeque<>();

    public BatchInference(Upstreams services) {
        this.services = services;
    }

    /**
     * Starts a run; the Uni ends when it is accepted ({@code sync}: when it ended) with the task object. 429 while a
     * run is active, as MONAI Label.
     */
    public Uni<JsonObject> start(String model, String images, JsonObject body, boolean sync, String requestId) {
        String selection = images == null || images.isEmpty() ? "all" : images;
        if (!SELECTIONS.contains(selection)) {
            throw ApiError.unprocessable("images must be all, labeled or unlabeled, was '" + images + "'");
        }
        JsonObject request = body.copy().put("model", model).put("images", selection);
        BatchTask task = new BatchTask(model, request);
        if (!active.compareAndSet(null, task)) {
            throw ApiError.of(429, "++++++++++ Batch_infer Task is Already Running");
        }
        remember(task);
        String tag = body.getString("label_tag", "original");
        JsonObject params = body.copy();
        RUN_KEYS.forEach(params::remove);
        Uni<Void> run = ids(selection, requestId)
                .flatMap(ids -> {
                    task.running(ids.size());
                    return Multi.createFrom()
                            .iterable(ids)
                            .onItem()
                            .transformToUniAndConcatenate(id -> task.stopRequested()
                                    ? Uni.createFrom().voidItem()
                                    : one(task, id, tag, params, requestId))
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
        run.subscribe().with(v -> {}, e -> LOG.warnf("batch %s: %s", task.id, e));
        return Uni.createFrom().item(task.json(false));
    }

    /** The active run (stopping after the image in progress), or null when none is. */
    public JsonObject stop() {
        BatchTask task = active.get();
        if (task == null) {
            return null;
        }
        task.stop();
        task.log("stop requested");
        return task.json(false);
    }

    /** MONAI Label's GET /batch/infer: the running task, every task, or the latest; null when there is none. */
    public Object status(boolean all, boolean running) {
        synchronized (history) {
            if (all) {
                return new io.vertx.core.json.JsonArray(
                        history.stream().map(t -> t.json(false)).toList());
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
    private Uni<List<String>> ids(String selection, String requestId) {
        return page(null, selection, requestId, new ArrayList<>());
    }

    private Uni<List<String>> page(String after, String selection, String requestId, List<String> into) {
        Outgoing out = Outgoing.to(HttpMethod.GET, "/view")
                .query("after", after)
                .query("limit", PAGE)
                .header(org.medlabel.gateway.http.Api.REQUEST_ID, requestId);
        return services.datastore().call(out).flatMap(reply -> {
            if (!reply.ok()) {
                throw new IllegalStateException("the datastore answered " + reply.status() + " listing images");
            }
            JsonObject view = reply.json();
            view.getJsonObject("objects").forEach(e -> {
                boolean labeled = ((JsonObject) e.getValue())
                        .getJsonObject("labels", new JsonObject())
                        .containsKey("final");
                if (selection.equals("all") || labeled == selection.equals("labeled")) {
                    into.add(e.getKey());
                }
            });
            String next = view.getString("next_after");
            return next == null ? Uni.createFrom().item(into) : page(next, selection, requestId, into);
        });
    }

    /** Infers one image and saves the label; a failure is recorded and the run goes on. */
    private Uni<Void> one(BatchTask task, String image, String tag, JsonObject params, String requestId) {
        MultipartBody request = MultipartBody.create().field("params", params.encode());
        Outgoing infer = Outgoing.to(HttpMethod.POST, "/infer/{}", task.model)
                .query("image", image)
                .query("output", "all")
                .header(org.medlabel.gateway.http.Api.REQUEST_ID, requestId)
                .body(request.end(), request.contentType());
        return services.inference()
                .call(infer, services.inference().idleTimeout())
                .flatMap(reply -> {
                    if (!reply.ok()) {
                        task.failed(image, "inference answered " + reply.status() + ": " + detail(reply.body()));
                        return Uni.createFrom().voidItem();
                    }
                    List<MultipartBody.Part> parts =
                            MultipartBody.parse(reply.headers().get(HttpHeaders.CONTENT_TYPE), reply.body());
                    JsonObject result = new JsonObject(
                            part(parts, p -> "params".equals(p.name())).data());
                    MultipartBody.Part file = part(parts, p -> p.filename() != null);
                    MultipartBody save = MultipartBody.create()
                            .field(
                                    "params",
                                    new JsonObject()
                                            .put("model", task.model)
                                            .put("params", result)
                                            .encode())
                            .file("label", file.filename(), file.data());
                    Outgoing put = Outgoing.to(HttpMethod.PUT, "/images/{}/labels/{}", image, tag)
                            .header(org.medlabel.gateway.http.Api.REQUEST_ID, requestId)
                            .body(save.end(), save.contentType());
                    return services.datastore()
                            .call(put)
                            .invoke(saved -> {
                                if (saved.ok()) {
                                    task.succeeded(
                                            image,
                                            new JsonObject()
                                                    .put("label", image)
                                                    .put("tag", tag)
                                                    .put("model_version", result.getValue("model_version")));
                                } else {
                                    task.failed(
                                            image,
                                            "saving the label failed (" + saved.status() + "): "
                                                    + detail(saved.body()));
                                }
                            })
                            .replaceWithVoid();
                })
                .onFailure()
                .recoverWithItem(e -> {
                    task.failed(image, e.getMessage());
                    return null;
                });
    }

    private static MultipartBody.Part part(
            List<MultipartBody.Part> parts, java.util.function.Predicate<MultipartBody.Part> which) {
        return parts.stream()
                .filter(which)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the inference answer lacks a part"));
    }

    private static String detail(Buffer body) {
        try {
            return new JsonObject(body).getString("detail", body.toString());
        } catch (RuntimeException e) {
            return body.length() > 200 ? body.getString(0, 200) : body.toString();
        }
    }
}
