package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's {@code /info/}, composed from the three services (models from inference, trainers and train stats
 * from training, stats from the datastore) and served from a cache: past its time to live the cached document is
 * still served while one refresh runs in the background, so {@code /info/} answers at once even when a service is
 * slow. A part whose service fails keeps its last good value; only the models have no stand-in.
 */
@Singleton
public class InfoComposer {

    private static final Logger LOG = Logger.getLogger(InfoComposer.class);

    /** MONAI Label's radiology strategies, which the datastore implements. */
    static final JsonObject STRATEGIES = new JsonObject()
            .put("random", new JsonObject().put("description", "Random Strategy"))
            .put("first", new JsonObject().put("description", "Get First Sample"))
            .put("last", new JsonObject().put("description", "Get Last Sample"))
            .put(
                    "epistemic",
                    new JsonObject()
                            .put(
                                    "description",
                                    "The unlabeled image the model is least sure about (run the epistemic scoring"
                                            + " first)"));

    private record Cached(JsonObject info, long at) {}

    private final Upstreams services;
    private final Duration ttl;
    private final AtomicReference<Cached> cached = new AtomicReference<>();
    private final AtomicReference<Uni<JsonObject>> refreshing = new AtomicReference<>();
    private final Map<String, Object> lastGood = new java.util.concurrent.ConcurrentHashMap<>();

    public InfoComposer(Upstreams services, GatewayConfig config) {
        this.services = services;
        this.ttl = config.infoCacheTtl();
    }

    /** The document: cached, or composed now when there is none yet. */
    public Uni<JsonObject> info() {
        Cached c = cached.get();
        if (c == null) {
            return refresh();
        }
        if (System.nanoTime() - c.at() > ttl.toNanos()) {
            refresh().subscribe().with(ok -> {}, e -> LOG.debugf("info refresh failed: %s", e));
        }
        return Uni.createFrom().item(c.info());
    }

    /** Drops the cache, so the next {@code /info/} is composed afresh (after a change the client will look for). */
    public void invalidate() {
        cached.set(null);
    }

    /** One composition at a time; concurrent callers share it. */
    private Uni<JsonObject> refresh() {
        Uni<JsonObject> running = refreshing.get();
        if (running != null) {
            return running;
        }
        Uni<JsonObject> fresh = compose()
                .invoke(info -> cached.set(new Cached(info, System.nanoTime())))
                .eventually(() -> refreshing.set(null))
                .memoize()
                .indefinitely();
        return refreshing.compareAndSet(null, fresh) ? fresh : refreshing.get();
    }

    private Uni<JsonObject> compose() {
        Uni<JsonObject> models = part("models", services.inference(), "/models", true);
        Uni<JsonObject> trainers = part("trainers", services.training(), "/trainers", false);
        Uni<JsonObject> trainStats = part("train_stats", services.training(), "/stats", false);
        Uni<JsonObject> datastore = part("datastore", services.datastore(), "/stats", false);
        return Uni.combine().all().unis(models, trainers, trainStats, datastore).with((app, t, s, d) -> {
            reportServed(app.getJsonObject("models", new JsonObject()));
            return document(app, t, s, d);
        });
    }

    /**
     * Tells the training service which segmentation versions are served (automatic scoring rescoring a new version
     * once, cluster-wide); in the background, as a failure only delays that rescoring.
     */
    private void reportServed(JsonObject models) {
        JsonObject served = new JsonObject();
        models.forEach(e -> {
            JsonObject model = (JsonObject) e.getValue();
            if ("segmentation".equals(model.getString("type")) && model.getInteger("version") != null) {
                served.put(e.getKey(), model.getInteger("version"));
            }
        });
        AutoScoring.report(
                services, new JsonObject().put("reason", "models served").put("served", served));
    }

    private Uni<JsonObject> part(String name, Upstream service, String path, boolean required) {
        return service.call(Outgoing.to(HttpMethod.GET, path))
                .map(reply -> {
                    if (!reply.ok()) {
                        throw ApiError.of(
                                reply.status() == 503 ? 503 : 502,
                                "the " + service.name() + " service answered " + reply.status() + " for " + path);
                    }
                    JsonObject json = reply.json();
                    lastGood.put(name, json);
                    return json;
                })
                .onFailure()
                .recoverWithUni(e -> {
                    Object previous = lastGood.get(name);
                    if (previous != null) {
                        return Uni.createFrom().item((JsonObject) previous);
                    }
                    if (required) {
                        return Uni.createFrom().failure(e);
                    }
                    LOG.warnf("info: %s unavailable (%s); shown empty", name, e.getMessage());
                    return Uni.createFrom().item(new JsonObject());
                });
    }

    static JsonObject document(JsonObject app, JsonObject trainers, JsonObject trainStats, JsonObject datastore) {
        JsonObject models = new JsonObject();
        List<Map.Entry<String, Integer>> labels = new ArrayList<>();
        app.getJsonObject("models", new JsonObject()).forEach(e -> {
            JsonObject m = (JsonObject) e.getValue();
            JsonObject config = m.getJsonObject("config", new JsonObject()).copy();
            if (!config.containsKey("device") && m.getString("device") != null) {
                config.put("device", new JsonArray().add(m.getString("device")));
            }
            models.put(
                    e.getKey(),
                    new JsonObject()
                            .put("type", m.getString("type"))
                            .put("labels", m.getValue("labels"))
                            .put("dimension", m.getInteger("dimension", 3))
                            .put("description", java.util.Objects.requireNonNullElse(m.getString("description"), ""))
                            .put("config", config)
                            .put("version", m.getValue("version")));
            collect(m.getValue("labels"), labels);
        });
        // MONAI Label's app labels: every model's, once, ordered by label value (lists count from 1).
        Map<String, Integer> byName = new LinkedHashMap<>();
        labels.stream().sorted(Map.Entry.comparingByValue()).forEach(l -> byName.putIfAbsent(l.getKey(), l.getValue()));
        JsonObject stats = new JsonObject();
        models.fieldNames().forEach(m -> stats.put(m, trainStats.getJsonObject(m, new JsonObject())));
        trainStats.forEach(e -> stats.put(e.getKey(), e.getValue()));
        return new JsonObject()
                .put("name", app.getString("name"))
                .put("description", app.getString("description", ""))
                .put("version", app.getString("version", ""))
                .put("labels", new JsonArray(new ArrayList<>(byName.keySet())))
                .put("models", models)
                .put("trainers", trainers)
                .put("strategies", STRATEGIES.copy())
                .put("scoring", scoring(models))
                .put("train_stats", stats)
                .put(
                        "datastore",
                        datastore.isEmpty()
                                ? new JsonObject()
                                        .put("total", 0)
                                        .put("completed", 0)
                                        .put("label_tags", new JsonObject())
                                : datastore);
    }

    /** The label-based scoring methods, and an epistemic one per automatic segmentation model. */
    private static JsonObject scoring(JsonObject models) {
        JsonObject methods = new JsonObject()
                .put("dice", new JsonObject().put("description", "Dice of each image's final and original labels"))
                .put(
                        "sum",
                        new JsonObject().put("description", "Sum and non-empty slices of each final/original label"));
        models.fieldNames().stream()
                .filter(m -> "segmentation".equals(models.getJsonObject(m).getString("type")))
                .sorted()
                .forEach(m -> methods.put(
                        m + "_epistemic",
                        new JsonObject()
                                .put("description", "Epistemic uncertainty of " + m + " on each unlabeled image")
                                .put("model", m)));
        return methods;
    }

    private static void collect(Object labels, List<Map.Entry<String, Integer>> into) {
        if (labels instanceof JsonObject dict) {
            dict.forEach(e -> {
                if (!"background".equals(e.getKey()) && e.getValue() instanceof Number n) {
                    into.add(Map.entry(e.getKey(), n.intValue()));
                }
            });
        } else if (labels instanceof JsonArray list) {
            for (int i = 0; i < list.size(); i++) {
                into.add(Map.entry(String.valueOf(list.getValue(i)), i + 1));
            }
        }
    }
}
