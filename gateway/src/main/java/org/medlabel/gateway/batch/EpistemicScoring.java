package org.medlabel.gateway.batch;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.List;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's {@code <model>_epistemic} scoring: every unlabeled image scored by the inference service (entropy of
 * the model's predictions over test-time flips, the version served now) and the score written to the image's info
 * ({@code epistemic_entropy}, {@code epistemic_ts} = the model version), where the datastore's {@code epistemic}
 * strategy ranks by it. Offered for each automatic segmentation model.
 */
@Singleton
public class EpistemicScoring {

    /** A scoring method's name: the model's, then this. */
    public static final String SUFFIX = "_epistemic";

    private final Upstreams services;
    private final ImageTasks runs;

    public EpistemicScoring(Upstreams services) {
        this.services = services;
        this.runs = new ImageTasks("Scoring", services);
    }

    /**
     * Starts {@code method} ({@code <model>_epistemic}; null: the first segmentation model's, MONAI Label's "all
     * methods"); 404 when no such method is offered. Body: MONAI Label's params, {@code num_samples} (2-8, default 5).
     */
    public Uni<JsonObject> start(String method, JsonObject body, boolean sync, String requestId) {
        return segmentationModels(requestId).flatMap(models -> {
            String model = method == null
                    ? models.stream().findFirst().orElse(null)
                    : method.endsWith(SUFFIX) ? method.substring(0, method.length() - SUFFIX.length()) : null;
            if (model == null || !models.contains(model)) {
                throw ApiError.notFound("scoring method '" + (method == null ? "" : method)
                        + "' is not available (available: "
                        + String.join(", ", models.stream().map(m -> m + SUFFIX).toList()) + ")");
            }
            int samples = body.getInteger("num_samples", 5);
            JsonObject request = body.copy().put("method", model + SUFFIX).put("model", model);
            return runs.start(
                    new BatchTask(model, request, "scoring"),
                    "unlabeled",
                    requestId,
                    (task, image) -> one(task, image, samples, requestId),
                    sync);
        });
    }

    public JsonObject stop() {
        return runs.stop();
    }

    public Object status(boolean all, boolean running) {
        return runs.status(all, running);
    }

    /** The names of the automatic segmentation models inference serves. */
    private Uni<List<String>> segmentationModels(String requestId) {
        return services.inference()
                .call(Outgoing.to(HttpMethod.GET, "/models").header(Api.REQUEST_ID, requestId))
                .map(reply -> {
                    if (!reply.ok()) {
                        throw ApiError.of(503, "the inference service answered " + reply.status() + " listing models");
                    }
                    JsonObject models = reply.json().getJsonObject("models", new JsonObject());
                    return models.fieldNames().stream()
                            .filter(m -> "segmentation"
                                    .equals(models.getJsonObject(m).getString("type")))
                            .sorted()
                            .toList();
                });
    }

    /** Scores one image and writes the score into its info. */
    private Uni<Void> one(BatchTask task, String image, int samples, String requestId) {
        Outgoing score = Outgoing.to(HttpMethod.POST, "/scoring/{}/epistemic", task.model)
                .query("image", image)
                .query("samples", samples)
                .header(Api.REQUEST_ID, requestId);
        return services.inference()
                .call(score, services.inference().idleTimeout())
                .flatMap(reply -> {
                    if (!reply.ok()) {
                        task.failed(
                                image, "inference answered " + reply.status() + ": " + ImageTasks.detail(reply.body()));
                        return Uni.createFrom().voidItem();
                    }
                    JsonObject result = reply.json();
                    JsonObject info = new JsonObject()
                            .put("epistemic_entropy", result.getValue("epistemic_entropy"))
                            .put("epistemic_ts", result.getValue("epistemic_ts"));
                    Outgoing put = Outgoing.to(HttpMethod.PUT, "/images/{}/info", image)
                            .header(Api.REQUEST_ID, requestId)
                            .json(info.toBuffer());
                    return services.datastore()
                            .call(put)
                            .invoke(saved -> {
                                if (saved.ok()) {
                                    task.succeeded(image, info);
                                } else {
                                    task.failed(
                                            image,
                                            "writing the score failed (" + saved.status() + "): "
                                                    + ImageTasks.detail(saved.body()));
                                }
                            })
                            .replaceWithVoid();
                });
    }
}
