package org.medlabel.gateway.batch;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;
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

    private final Upstreams services;
    private final ImageTasks runs;

    public BatchInference(Upstreams services) {
        this.services = services;
        this.runs = new ImageTasks("Batch_infer", services);
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
        String tag = body.getString("label_tag", "original");
        JsonObject params = body.copy();
        RUN_KEYS.forEach(params::remove);
        return runs.start(
                new BatchTask(model, request, "inferring"),
                ImageTasks.selection(selection),
                requestId,
                (task, id) -> one(task, id, tag, params, requestId),
                sync);
    }

    /** The active run (stopping after the image in progress), or null when none is. */
    public JsonObject stop() {
        return runs.stop();
    }

    /** MONAI Label's GET /batch/infer: the running task, every task, or the latest; null when there is none. */
    public Object status(boolean all, boolean running) {
        return runs.status(all, running);
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
                        task.failed(
                                image, "inference answered " + reply.status() + ": " + ImageTasks.detail(reply.body()));
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
                            .invoke(saved -> ImageTasks.record(
                                    task,
                                    image,
                                    saved,
                                    new JsonObject()
                                            .put("label", image)
                                            .put("tag", tag)
                                            .put("model_version", result.getValue("model_version")),
                                    "saving the label"))
                            .replaceWithVoid();
                });
    }

    private static MultipartBody.Part part(
            List<MultipartBody.Part> parts, java.util.function.Predicate<MultipartBody.Part> which) {
        return parts.stream()
                .filter(which)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the inference answer lacks a part"));
    }
}
