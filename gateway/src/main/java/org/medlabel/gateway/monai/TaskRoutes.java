package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import java.util.function.BiFunction;
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
        statusRoute(api, "/scoring/", "Scoring", scoring::status);
        // POST /scoring/ is MONAI Label's deprecated "every method": here the first segmentation model's epistemic
        for (String path : new String[] {"/scoring/", "/scoring/:method"}) {
            api.route(
                    HttpMethod.POST,
                    path,
                    Api.Body.BUFFER,
                    call -> scoring.start(
                                    path.endsWith(":method") ? call.path("method") : null,
                                    JsonBodies.object(call.body()),
                                    call.flag("run_sync"),
                                    call.requestId())
                            .flatMap(call::ok));
        }
        api.route(HttpMethod.DELETE, "/scoring/", Api.Body.NONE, call -> call.ok(scoring.stop()));
        statusRoute(api, "/batch/infer", "Batch_infer", batch::status);
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

    /** MONAI Label's task status: the latest, the running one ({@code check_if_running}) or all ({@code all}). */
    private static void statusRoute(Api api, String path, String kind, BiFunction<Boolean, Boolean, Object> status) {
        api.route(HttpMethod.GET, path, Api.Body.NONE, call -> {
            boolean running = call.flag("check_if_running");
            Object found = status.apply(call.flag("all"), running);
            if (found == null) {
                throw ApiError.notFound(
                        running ? "No " + kind + " Tasks are currently Running" : "No " + kind + " Tasks Found");
            }
            return call.ok(found);
        });
    }
}
