package org.medlabel.gateway.auth;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.monai.MonaiRoutes;

/**
 * MONAI Label's {@code /auth} router (login.py). MONAI Label mounts it only when auth is on, so with auth off every
 * path under it answers 404, which is how 3D Slicer learns that it needs no login.
 */
@Singleton
public class AuthRoutes implements MonaiRoutes {

    private final AuthConfig config;
    private final PasswordGrant grant;

    public AuthRoutes(AuthConfig config, PasswordGrant grant) {
        this.config = config;
        this.grant = grant;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.GET, "/auth/", Access.PUBLIC, Api.Body.NONE, call -> {
            mounted();
            return call.ok(new JsonObject()
                    .put("enabled", true)
                    .put("client_id", config.clientId())
                    .put("realm", config.realmUri()));
        });
        api.route(HttpMethod.POST, "/auth/token", Access.PUBLIC, Api.Body.BUFFER, call -> {
            mounted();
            return grant.token(field(call, "username"), field(call, "password")).flatMap(call::ok);
        });
        api.route(HttpMethod.GET, "/auth/token/valid", Access.AUTHENTICATED, Api.Body.NONE, call -> {
            mounted();
            return call.ok(call.caller());
        });
    }

    private void mounted() {
        if (!config.enabled()) {
            throw ApiError.notFound("Not Found");
        }
    }

    /** A required field of OAuth2's password form (FastAPI answers a missing one with 422). */
    private static String field(Call call, String name) {
        String value = call.form().get(name);
        if (value == null || value.isEmpty()) {
            throw ApiError.unprocessable("form field '" + name + "' is required");
        }
        return value;
    }
}
