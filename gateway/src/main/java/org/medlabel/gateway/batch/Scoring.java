package org.medlabel.gateway.batch;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jboss.logging.Logger;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's scoring methods, run over the datastore's images like a batch inference (same runner: one run at a
 * time, one image at a time):
 *
 * <ul>
 *   <li>{@code dice}: for each labeled image, the Dice of its labels {@code y} (final) and {@code y_pred} (original),
 *       computed by the datastore into the image's info; an image without both is skipped;
 *   <li>{@code sum}: for each image, the sum and non-empty slices of its final and original labels, into their info;
 *   <li>{@code <model>_epistemic} for each automatic segmentation model: each unlabeled image scored by the inference
 *       service (entropy over test-time flips, the version served now) and written to its info
 *       ({@code epistemic_entropy}, {@code epistemic_ts} = the model version), which the datastore's {@code epistemic}
 *       strategy ranks by.
 * </ul>
 *
 * <p>With {@code medlabel.gateway.scoring.auto-update} (MONAI Label's {@code MONAI_LABEL_AUTO_UPDATE_SCORING}), the
 * epistemic scores are kept up to date in the background: after a next-sample answer and when a model version is
 * first seen served, each segmentation model scores the unlabeled images whose score is missing or from another
 * version (MONAI Label rescores every image every time, which on a CPU would keep the inference workers busy).
 */
@Singleton
public class Scoring {

    /** An epistemic method's name: the model's, then this. */
    public static final String EPISTEMIC = "_epistemic";

    /** The label-based methods, with their descriptions in {@code /info/}. */
    public static final JsonObject LABEL_METHODS = new JsonObject()
            .put("dice", new JsonObject().put("description", "Dice of each image's final and original labels"))
            .put("sum", new JsonObject().put("description", "Sum and non-empty slices of each final/original label"));

    private static final Logger LOG = Logger.getLogger(Scoring.class);
    private static final String AUTO_REQUEST_ID = "auto-scoring";

    private final Upstreams services;
    private final ImageTasks runs;
    private final boolean autoUpdate;
    private final Map<String, Integer> versionsSeen = new ConcurrentHashMap<>();

    public Scoring(Upstreams services, GatewayConfig config) {
        this.services = services;
        this.runs = new ImageTasks("Scoring", services);
        this.autoUpdate = config.scoring().autoUpdate();
    }

    /**
     * Starts {@code method} (null: MONAI Label's "every method", here the first segmentation model's epistemic scoring,
     * which the epistemic strategy needs); 404 when it is not offered. Body:
     * MONAI Label's params: {@code y}, {@code y_pred} for dice; {@code num_samples} (2-8, default 5) for epistemic.
     */
    public Uni<JsonObject> start(String method, JsonObject body, boolean sync, String requestId) {
        if (method == null) {
            return segmentationModels(requestId)
                    .flatMap(models -> start(
                            models.isEmpty()
                                    ? "sum"
                                    : models.keySet().iterator().next() + EPISTEMIC,
                            body,
                            sync,
                            requestId));
        }
        String name = method;
        JsonObject request = body.copy().put("method", name);
        String id = requestId;
        return switch (name) {
            case "dice" -> {
                String y = body.getString("y", "final");
                String yPred = body.getString("y_pred", "original");
                yield runs.start(
                        new BatchTask(null, request, "dice of"),
                        ImageTasks.selection("labeled"),
                        id,
                        (task, image) -> labelScore(task, image, "dice", y, yPred, id),
                        sync);
            }
            case "sum" ->
                runs.start(
                        new BatchTask(null, request, "label sums of"),
                        ImageTasks.selection("all"),
                        id,
                        (task, image) -> labelScore(task, image, "sum", null, null, id),
                        sync);
            default ->
                segmentationModels(id).flatMap(models -> {
                    String model =
                            name.endsWith(EPISTEMIC) ? name.substring(0, name.length() - EPISTEMIC.length()) : "";
                    if (!models.containsKey(model)) {
                        List<String> offered = new ArrayList<>(LABEL_METHODS.fieldNames());
                        models.keySet().forEach(m -> offered.add(m + EPISTEMIC));
                        throw ApiError.notFound("scoring method '" + name + "' is not available (available: "
                                + String.join(", ", offered.stream().sorted().toList()) + ")");
                    }
                    return epistemicRun(model, request, ImageTasks.selection("unlabeled"), id, sync);
                });
        };
    }

    private Uni<JsonObject> epistemicRun(
            String model, JsonObject request, Predicate<JsonObject> images, String id, boolean sync) {
        int samples = request.getInteger("num_samples", 5);
        return runs.start(
                new BatchTask(model, request.put("model", model), "epistemic scores of"),
                images,
                id,
                (task, image) -> epistemic(task, image, samples, id),
                sync);
    }

    /**
     * Brings the epistemic scores up to date in the background (with auto-update on; nothing while a scoring run is
     * active): each segmentation model in turn scores the unlabeled images whose score is missing or from a version
     * other than the one it serves.
     */
    public void autoUpdate(String why) {
        if (!autoUpdate || runs.active()) {
            return;
        }
        segmentationModels(AUTO_REQUEST_ID)
                .onItem()
                .transformToMulti(models -> Multi.createFrom().iterable(models.entrySet()))
                .onItem()
                .transformToUniAndConcatenate(model -> Uni.createFrom()
                        .deferred(() -> epistemicRun(
                                model.getKey(),
                                new JsonObject()
                                        .put("method", model.getKey() + EPISTEMIC)
                                        .put("auto", why),
                                ImageTasks.selection("unlabeled").and(entry -> stale(entry, model.getValue())),
                                AUTO_REQUEST_ID,
                                true))
                        .onFailure()
                        .recoverWithNull()) // a run the user started meanwhile has the runner: it goes first
                .collect()
                .last()
                .subscribe()
                .with(done -> {}, e -> LOG.warnf("automatic scoring (%s) failed: %s", why, e.toString()));
    }

    /**
     * The models {@code /info/} found served: a segmentation model's version not seen before (a model trained or
     * imported, or the first look after a start) brings its scores up to date.
     */
    public void served(JsonObject models) {
        List<String> changed = new ArrayList<>();
        models.forEach(e -> {
            JsonObject model = (JsonObject) e.getValue();
            Integer version = model.getInteger("version");
            if ("segmentation".equals(model.getString("type"))
                    && version != null
                    && !version.equals(versionsSeen.put(e.getKey(), version))) {
                changed.add(e.getKey() + " version " + version);
            }
        });
        if (!changed.isEmpty()) {
            autoUpdate("serving " + String.join(", ", changed));
        }
    }

    /** Whether an image's epistemic score is missing or was computed by another version than {@code version}. */
    static boolean stale(JsonObject entry, int version) {
        Object ts = entry.getJsonObject("image", new JsonObject())
                .getJsonObject("info", new JsonObject())
                .getValue("epistemic_ts");
        return !(ts instanceof Number n) || n.longValue() != version;
    }

    public JsonObject stop() {
        return runs.stop();
    }

    public Object status(boolean all, boolean running) {
        return runs.status(all, running);
    }

    /** The automatic segmentation models inference serves (by name) and their versions. */
    private Uni<Map<String, Integer>> segmentationModels(String requestId) {
        return services.inference()
                .call(Outgoing.to(HttpMethod.GET, "/models").header(Api.REQUEST_ID, requestId))
                .map(reply -> {
                    if (!reply.ok()) {
                        throw ApiError.of(503, "the inference service answered " + reply.status() + " listing models");
                    }
                    JsonObject models = reply.json().getJsonObject("models", new JsonObject());
                    Map<String, Integer> segmentation = new TreeMap<>();
                    models.forEach(e -> {
                        JsonObject model = (JsonObject) e.getValue();
                        if ("segmentation".equals(model.getString("type"))) {
                            segmentation.put(e.getKey(), model.getInteger("version", 0));
                        }
                    });
                    return segmentation;
                });
    }

    /** The datastore scores one image's labels ({@code dice} or {@code sum}); a missing label skips the image. */
    private Uni<Void> labelScore(BatchTask task, String image, String method, String y, String yPred, String id) {
        Outgoing score = Outgoing.to(HttpMethod.POST, "/images/{}/scores/{}", image, method)
                .query("y", y)
                .query("y_pred", yPred)
                .header(Api.REQUEST_ID, id);
        return services.datastore()
                .call(score)
                .invoke(reply -> {
                    if (reply.ok()) {
                        task.succeeded(image, reply.json());
                    } else if (reply.status() == 404) {
                        task.succeeded(image, new JsonObject().put("skipped", ImageTasks.detail(reply.body())));
                    } else {
                        task.failed(
                                image,
                                "the datastore answered " + reply.status() + ": " + ImageTasks.detail(reply.body()));
                    }
                })
                .replaceWithVoid();
    }

    /** Inference scores one image; the score goes into the image's info. */
    private Uni<Void> epistemic(BatchTask task, String image, int samples, String id) {
        Outgoing score = Outgoing.to(HttpMethod.POST, "/scoring/{}/epistemic", task.model)
                .query("image", image)
                .query("samples", samples)
                .header(Api.REQUEST_ID, id);
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
                            .header(Api.REQUEST_ID, id)
                            .json(info.toBuffer());
                    return services.datastore()
                            .call(put)
                            .invoke(saved -> ImageTasks.record(task, image, saved, info, "writing the score"))
                            .replaceWithVoid();
                });
    }
}
