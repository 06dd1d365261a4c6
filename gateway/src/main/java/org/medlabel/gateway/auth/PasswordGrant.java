package org.medlabel.gateway.auth;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.medlabel.gateway.error.ApiError;

/**
 * {@code POST /auth/token}: the user's name and password exchanged for a token at the realm's token endpoint (found
 * once through the realm's OpenID discovery document, as MONAI Label does).
 */
@Singleton
public class PasswordGrant {

    private static final Logger LOG = Logger.getLogger(PasswordGrant.class);

    private final AuthConfig config;
    private final WebClient client;
    private final AtomicReference<String> tokenEndpoint = new AtomicReference<>();

    public PasswordGrant(AuthConfig config, Vertx vertx) {
        this.config = config;
        this.client = WebClient.create(vertx);
    }

    /** MONAI Label's {@code Token}: the access token and its type, nothing else of the provider's answer. */
    public Uni<JsonObject> token(String username, String password) {
        return tokenEndpoint()
                .flatMap(endpoint -> client.postAbs(endpoint)
                        .timeout(config.timeout().toMillis())
                        .sendForm(MultiMap.caseInsensitiveMultiMap()
                                .add("client_id", config.clientId())
                                .add("username", username)
                                .add("password", password)
                                .add("grant_type", "password")))
                .onFailure(failure -> !(failure instanceof ApiError))
                .transform(this::unreachable)
                .map(this::answer);
    }

    private JsonObject answer(HttpResponse<?> response) {
        int status = response.statusCode();
        if (status == 200) {
            JsonObject body = response.bodyAsJsonObject();
            return new JsonObject()
                    .put("access_token", body.getString("access_token"))
                    .put("token_type", body.getString("token_type"));
        }
        if (status == 400 || status == 401) {
            // Keycloak: 401 invalid_grant for a wrong password or unknown user, 400 for a disabled or unfinished
            // account
            // (MONAI Label relays neither: its client sees a 500).
            throw ApiError.unauthorized("Incorrect username or password");
        }
        LOG.warnf("the identity provider's token endpoint answered %d: %s", status, response.bodyAsString());
        throw ApiError.of(502, "the identity provider answered " + status + " to the password grant");
    }

    private Uni<String> tokenEndpoint() {
        String known = tokenEndpoint.get();
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        String discovery = config.realmUri().replaceAll("/+$", "") + "/.well-known/openid-configuration";
        return client.getAbs(discovery)
                .timeout(config.timeout().toMillis())
                .send()
                .map(response -> {
                    String endpoint = response.statusCode() == 200
                            ? response.bodyAsJsonObject().getString("token_endpoint")
                            : null;
                    if (endpoint == null) {
                        throw ApiError.of(
                                502,
                                "the identity provider's discovery document " + discovery + " has no token endpoint");
                    }
                    tokenEndpoint.set(endpoint);
                    return endpoint;
                });
    }

    private ApiError unreachable(Throwable failure) {
        LOG.warnf("the identity provider at %s cannot be reached: %s", config.realmUri(), failure.toString());
        return ApiError.unavailable("the identity provider cannot be reached", 5);
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
