package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;

/**
 * MONAI Label's scoring and batch-inference tasks. This server offers no scoring method and no batch inference yet
 * ({@code /info/} lists no scoring), so these answer as MONAI Label does when it has none: no task found, nothing
 * stopped, and a clear 404 for a method or run that cannot start.
 */
@Singleton
public class TaskRoutes implements MonaiRoutes {

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
            throw ApiError.notFound(
                    call.flag("check_if_running")
                            ? "No Batch_infer Tasks are currently Running"
                            : "No Batch_infer Tasks Found");
        });
        api.route(HttpMethod.POST, "/batch/infer/:model", Api.Body.NONE, call -> {
            throw ApiError.notFound("batch inference is not available on this server; infer image by image");
        });
        api.route(HttpMethod.DELETE, "/batch/infer", Api.Body.NONE, call -> call.ok(null));
    }
}
