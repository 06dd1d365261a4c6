package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import org.medlabel.gateway.batch.BatchInference;
import org.medlabel.gateway.batch.Scoring;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;

/**
 * MONAI Label's scoring and batch-inference tasks, both run in the gateway over the datastore's images: batch inference
 * ({@link BatchInference}) and the scoring methods {@code dice}, {@code sum} and {@code <model>_epistemic}
 * ({@link Scoring}); an unknown method is a clear 404.
 */
@Singleton
public class TaskRoutes implements MonaiRoutes {

    private final BatchInference batch;
    private final Scoring scoring;

    public TaskRoutes(BatchInference batch, Scoring scoring) {
        this.batch = batch;
        this.scoring = scoring;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.GET, "/scoring/", Api.Body.NONE, call -> {
            boolean running = call.flag("check_if_running");
            Object status = scoring.status(call.flag("all"), running);
            if (status == null) {
                throw ApiError.notFound(running ? "No Scoring Tasks are currently Running" : "No Scoring Tasks Found");
            }
            return call.ok(status);
        });
        // MONAI Label's deprecated "every method": here, the first segmentation model's epistemic scoring
        api.route(
                HttpMethod.POST,
                "/scoring/",
                Api.Body.BUFFER,
                call -> scoring.start(null, JsonBodies.object(call.body()), call.flag("run_sync"), call.requestId())
                        .flatMap(call::ok));
        api.route(
                HttpMethod.POST,
                "/scoring/:method",
                Api.Body.BUFFER,
                call -> scoring.start(
                                call.path("method"),
                                JsonBodies.object(call.body()),
                                call.flag("run_sync"),
                                call.requestId())
                        .flatMap(call::ok));
        api.route(HttpMethod.DELETE, "/scoring/", Api.Body.NONE, call -> call.ok(scoring.stop()));
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
