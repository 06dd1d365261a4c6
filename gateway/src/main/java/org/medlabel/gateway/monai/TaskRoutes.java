package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's scoring and batch-inference tasks, translated onto the training service's durable image tasks
 * ({@code /tasks/scoring}, {@code /tasks/batch_infer}): the gateway keeps no task state, so any replica lists, polls,
 * stops and waits for ({@code run_sync}) any task, and a task outlives the gateway that started it.
 */
@Singleton
public class TaskRoutes implements MonaiRoutes {

    private static final String SCORING = "scoring";
    private static final String BATCH = "batch_infer";

    private final Upstreams services;

    public TaskRoutes(Upstreams services) {
        this.services = services;
    }

    private Upstream training() {
        return services.training();
    }

    @Override
    public void register(Api api) {
        statusRoute(api, "/scoring/", SCORING);
        // POST /scoring/ is MONAI Label's deprecated "every method": the first segmentation model's epistemic
        api.route(
                HttpMethod.POST,
                "/scoring/",
                Access.ANNOTATOR,
                Api.Body.BUFFER,
                call -> start(call, SCORING, call.to(HttpMethod.POST, "/tasks/scoring")));
        api.route(
                HttpMethod.POST,
                "/scoring/:method",
                Access.ANNOTATOR,
                Api.Body.BUFFER,
                call -> start(call, SCORING, call.to(HttpMethod.POST, "/tasks/scoring/{}", call.path("method"))));
        api.route(HttpMethod.DELETE, "/scoring/", Access.ANNOTATOR, Api.Body.NONE, call -> stop(call, SCORING));
        statusRoute(api, "/batch/infer", BATCH);
        api.route(
                HttpMethod.POST,
                "/batch/infer/:model",
                Access.ADMIN,
                Api.Body.BUFFER,
                call -> start(
                        call,
                        BATCH,
                        call.to(HttpMethod.POST, "/tasks/batch_infer/{}", call.path("model"))
                                .query("images", call.query("images"))));
        api.route(HttpMethod.DELETE, "/batch/infer", Access.ADMIN, Api.Body.NONE, call -> stop(call, BATCH));
    }

    /** Starts the task; with {@code run_sync}, answers once it ended, with each image's outcome. */
    private Uni<Void> start(Call call, String kind, Outgoing out) {
        JsonObject body = JsonBodies.object(call.body());
        return training()
                .call(out.json(Buffer.buffer(body.encode())))
                .flatMap(reply -> call.reshape(reply, r -> {
                    JsonObject task = r.json();
                    if (!call.flag("run_sync")) {
                        return call.ok(task);
                    }
                    String id = task.getString("id");
                    return TaskWait.until(
                                    training(),
                                    () -> call.to(HttpMethod.GET, "/tasks/{}/{}", kind, id)
                                            .query("result", true),
                                    kind + " task " + id)
                            .flatMap(call::ok);
                }));
    }

    /** MONAI Label's DELETE: the task asked to stop, or null when none was active. */
    private Uni<Void> stop(Call call, String kind) {
        return training()
                .call(call.to(HttpMethod.DELETE, "/tasks/{}", kind))
                .flatMap(reply -> call.reshape(reply, r -> {
                    JsonArray stopped = r.jsonArray();
                    return call.ok(stopped.isEmpty() ? null : stopped.getJsonObject(0));
                }));
    }

    /** MONAI Label's task status: the latest, the running one ({@code check_if_running}) or all ({@code all}). */
    private void statusRoute(Api api, String path, String kind) {
        api.route(
                HttpMethod.GET,
                path,
                Access.USER,
                Api.Body.NONE,
                call -> call.pass(
                        training(),
                        call.to(HttpMethod.GET, "/tasks/{}", kind)
                                .query("all", call.flag("all"))
                                .query("running", call.flag("check_if_running"))));
    }
}
