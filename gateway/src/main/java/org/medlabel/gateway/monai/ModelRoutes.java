package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * MONAI Label's {@code /model/...}: the served version's ONNX file and its checksum, and the import of a user's ONNX
 * file (multipart field {@code file}, streamed) as the model's next version, which every inference replica serves.
 */
@Singleton
public class ModelRoutes implements MonaiRoutes {

    private final Upstreams services;
    private final InfoComposer info;

    public ModelRoutes(Upstreams services, InfoComposer info) {
        this.services = services;
        this.info = info;
    }

    @Override
    public void register(Api api) {
        api.route(
                HttpMethod.GET,
                "/model/:model",
                Access.ADMIN,
                Api.Body.NONE,
                call -> call.forward(
                        services.inference(), call.to(HttpMethod.GET, "/models/{}/file", call.path("model"))));
        api.route(
                HttpMethod.GET,
                "/model/info/:model",
                Access.ADMIN,
                Api.Body.NONE,
                call -> call.pass(
                        services.inference(), call.to(HttpMethod.GET, "/models/{}/info", call.path("model"))));
        api.route(
                HttpMethod.PUT,
                "/model/:model",
                Access.ANNOTATOR,
                Api.Body.NONE,
                call -> call.forwardFile(
                                "file", services.inference(), call.to(HttpMethod.PUT, "/models/{}", call.path("model")))
                        .invoke(info::invalidate));
        api.route(HttpMethod.DELETE, "/model/:model", Access.ANNOTATOR, Api.Body.NONE, call -> {
            throw ApiError.of(
                    405, "model versions are kept; import the version to serve with PUT /model/" + call.path("model"));
        });
    }
}
