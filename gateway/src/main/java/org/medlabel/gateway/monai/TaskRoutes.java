package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import org.medlabel.gateway.batch.BatchInference;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;

/**
 * MONAI Label's scoring and batch-inference tasks. Batch inference runs in the gateway ({@link BatchInference}). No
 * scoring method is offered yet ({@code /info/} lists none), so scoring answers as MONAI Label does when it has none:
 * no task found, nothing stopped, and a clear 404 for a method that cannot start.
 */
@Singleton
public class TaskRoutes implements MonaiRoutes {

    private final BatchInference batch;

    public TaskRoutes(BatchInference batch) {
        this.batch = batch;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.GET, "/scoring/", Api.Body.NONE, call -> {
            throw ApiError.notFound(
                    call.flag("check_if_running")
                            ? "No Scoring Tasks are currently Running"
                            : "No Scoring Tasks Found");
        });
        api.route(HttpMethod.POST, "/scoring/", Api.Body.NONE, call -> call.ok(new JsonObject()));
        api.route(HttpMethod.POST, "/scoring/:method", Api.Body.NONE, call -> {
            throw ApiError.notFound("scoring method '" + call.path("method") + "' is not available on this server");
        });
        api.route(HttpMethod.DELETE, "/scoring/", Api.Body.NONE, call -> call.ok(null));
        api.route(HttpMethod.GET, "/batch/infer", Api.Body.NONE, call -> {
            boolean running = call.flag("check_if_running");
            Object status = batch.status(call.flag("all"), running);
            if (status == null) {
                throw ApiError.notFound(
                        running ? "No Batch_infer Tasks are currently Running" : "No Batch_infer Tasks Found");
            }
            return call.ok(status);
        });
        api.route(
                HttpMethod.POST,
                "/batch/infer/:model",
                Api.Body.BUFFER,
                call -> batch.start(
                                call.path("model"),
                                call.query("images"),
                                JsonBodies.object(call.body()),
                                call.flag("run_sync"),
                                call.requestId())
                        .flatMap(call::ok));
        api.route(HttpMethod.DELETE, "/batch/infer", Api.Body.NONE, call -> call.ok(batch.stop()));
    }
}
