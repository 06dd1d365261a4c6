package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.upstream.Upstreams;

/** MONAI Label's {@code /session/...}: temporary uploads, kept by the datastore. */
@Singleton
public class SessionRoutes implements MonaiRoutes {

    private final Upstreams services;

    public SessionRoutes(Upstreams services) {
        this.services = services;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.PUT, "/session/", Access.USER, Api.Body.STREAM, call -> {
            if (call.flag("uncompress")) {
                throw ApiError.unprocessable("uncompress is not supported; send the files themselves");
            }
            // the datastore answers 201 Created; MONAI Label's clients accept only 200
            return call.open(
                            services.datastore(),
                            call.to(HttpMethod.POST, "/sessions").query("expiry", call.query("expiry")))
                    .flatMap(response -> call.reshape(response, r -> call.ok(r.json())));
        });
        api.route(
                HttpMethod.GET,
                "/session/:id",
                Access.USER,
                Api.Body.NONE,
                call -> call.flag("image")
                        ? call.forward(
                                services.datastore(), call.to(HttpMethod.GET, "/sessions/{}/file", call.path("id")))
                        : call.pass(
                                services.datastore(),
                                call.to(HttpMethod.GET, "/sessions/{}", call.path("id"))
                                        .query("update_ts", call.flag("update_ts"))));
        api.route(
                HttpMethod.DELETE,
                "/session/:id",
                Access.USER,
                Api.Body.NONE,
                call -> call.pass(services.datastore(), call.to(HttpMethod.DELETE, "/sessions/{}", call.path("id"))));
    }
}
