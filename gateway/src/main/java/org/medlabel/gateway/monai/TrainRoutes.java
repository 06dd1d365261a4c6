package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Upstream;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's {@code /train/...} on the training service's jobs, including the deprecated {@code POST /train/} that
 * OHIF uses (one job per named model, or per trainer when the body names none) and {@code run_sync}, which waits for
 * the job to end.
 */
@Singleton
public class TrainRoutes implements MonaiRoutes {

    private final Upstreams services;
    private final InfoComposer info;

    public TrainRoutes(Upstreams services, InfoComposer info) {
        this.services = services;
        this.info = info;
    }

    private Upstream training() {
        return services.training();
    }

    @Override
    public void register(Api api) {
        api.route(
                HttpMethod.GET,
                "/train/",
                Access.USER,
                Api.Body.NONE,
                // model: MedLabel's filter (one model's tasks); MONAI Label's clients never send it
                call -> call.flag("all")
                        ? call.pass(training(), call.to(HttpMethod.GET, "/jobs").query("model", call.query("model")))
                        : call.pass(
                                training(),
                                call.to(HttpMethod.GET, "/jobs/latest")
                                        .query("running", call.flag("check_if_running"))
                                        .query("model", call.query("model"))));
        api.route(HttpMethod.POST, "/train/:model", Access.ADMIN, Api.Body.BUFFER, this::start);
        api.route(HttpMethod.POST, "/train/", Access.ADMIN, Api.Body.BUFFER, this::startAll);
        api.route(
                HttpMethod.DELETE,
                "/train/",
                Access.ADMIN,
                Api.Body.NONE,
                call -> training()
                        .call(call.to(HttpMethod.DELETE, "/jobs"))
                        .flatMap(reply -> call.reshape(reply, r -> {
                            JsonArray stopped = r.jsonArray();
                            return call.ok(stopped.isEmpty() ? null : stopped.getJsonObject(0));
                        })));
    }

    private Uni<Void> start(Call call) {
        JsonObject params = JsonBodies.object(call.body());
        boolean sync = call.flag("run_sync");
        return submit(call, call.path("model"), params, call.flag("enqueue"))
                .flatMap(reply -> call.reshape(reply, r -> {
                    info.invalidate();
                    JsonObject task = r.json();
                    return sync
                            ? TaskWait.until(
                                            training(),
                                            () -> call.to(HttpMethod.GET, "/jobs/{}", task.getString("id")),
                                            "training job " + task.getString("id"))
                                    .flatMap(call::ok)
                            : call.ok(task);
                }));
    }

    private Uni<Upstream.Reply> submit(Call call, String model, JsonObject params, boolean enqueue) {
        return training()
                .call(call.to(HttpMethod.POST, "/jobs/{}", model)
                        .query("enqueue", enqueue)
                        .json(Buffer.buffer(params.encode())));
    }

    /** Deprecated {@code POST /train/}: {@code {"<model>": {params}}}, or every trainer for an empty body. */
    private Uni<Void> startAll(Call call) {
        JsonObject body = JsonBodies.object(call.body());
        Uni<List<String>> models = body.isEmpty()
                ? info.info()
                        .map(i -> new ArrayList<>(i.getJsonObject("trainers").fieldNames()))
                : Uni.createFrom().item(new ArrayList<>(body.fieldNames()));
        return models.flatMap(names -> Multi.createFrom()
                        .iterable(names)
                        .onItem()
                        .transformToUniAndConcatenate(model -> {
                            Object p = body.getValue(model);
                            JsonObject params = p instanceof JsonObject o ? o : new JsonObject();
                            return submit(call, model, params, false).map(reply -> {
                                JsonObject entry = reply.ok()
                                        ? new JsonObject()
                                                .put("result", reply.json())
                                                .putNull("detail")
                                        : new JsonObject()
                                                .putNull("result")
                                                .put("detail", reply.json().getString("detail"));
                                return new JsonObject().put(model, entry);
                            });
                        })
                        .collect()
                        .in(JsonObject::new, (all, one) -> all.mergeIn(one)))
                .flatMap(result -> {
                    info.invalidate();
                    return call.ok(result);
                });
    }
}
