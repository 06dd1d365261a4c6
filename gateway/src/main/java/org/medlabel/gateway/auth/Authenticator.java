package org.medlabel.gateway.auth;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.medlabel.gateway.error.ApiError;

/**
 * MONAI Label's {@code RBAC(role)}: who the bearer token says the caller is, and whether a route lets them in. The
 * token itself is verified by quarkus-oidc (signature against the realm's published keys, cached and re-read when the
 * realm rotates them; expiry; issuer; the audience when one is configured); this class reads the verified claims where
 * MONAI Label's settings say they are and answers MONAI Label's 401 and 403.
 */
@Singleton
public class Authenticator {

    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    static final String NOT_AUTHENTICATED = "Not authenticated";
    /** MONAI Label's answer to a token that is expired, forged, malformed or not for this realm. */
    public static final String INVALID = "Could not validate credentials";

    private final AuthConfig config;
    private final Caller everyone;

    public Authenticator(AuthConfig config) {
        this.config = config;
        this.everyone = Caller.everyone(config.role());
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** The caller of every request when auth is off. */
    public Caller everyone() {
        return everyone;
    }

    /**
     * The caller of a request to a route with {@code access}: everyone when auth is off, else the token's user when it
     * has the role. Fails with the 401 or 403 MONAI Label answers.
     */
    public Uni<Caller> authorize(RoutingContext ctx, Access access) {
        if (!config.enabled()) {
            return Uni.createFrom().item(everyone);
        }
        if (access == Access.PUBLIC) {
            return Uni.createFrom().item(Caller.ANONYMOUS);
        }
        return authenticate(ctx).map(caller -> {
            String role = access.role(config.role());
            if (role != null && !caller.roles().contains(role)) {
                throw ApiError.forbidden("Role \"" + role + "\" is required to perform this action");
            }
            return caller;
        });
    }

    private Uni<Caller> authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().failure(ApiError.unauthorized(NOT_AUTHENTICATED));
        }
        Uni<SecurityIdentity> identity = ctx.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        if (identity == null) {
            return Uni.createFrom().failure(new IllegalStateException("quarkus-oidc is not authenticating requests"));
        }
        return identity.onFailure()
                .transform(failure -> {
                    LOG.debugf("token refused: %s", failure.toString());
                    return ApiError.unauthorized(INVALID);
                })
                .map(this::caller);
    }

    private Caller caller(SecurityIdentity identity) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            throw ApiError.unauthorized(INVALID);
        }
        JsonObject claims = claims(token.getRawToken());
        String username = text(claims, config.token().username());
        if (username == null) {
            // MONAI Label fails with a 500 here; a token without a user name cannot be attributed to anyone.
            throw ApiError.unauthorized(INVALID);
        }
        return new Caller(
                username,
                text(claims, config.token().email()),
                text(claims, config.token().name()),
                roles(claims, config.token().roles()));
    }

    /** The payload of a token quarkus-oidc has verified. */
    private static JsonObject claims(String rawToken) {
        String[] parts = rawToken.split("\\.");
        return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    private static String text(JsonObject claims, String name) {
        return claims.getValue(name) instanceof String s ? s : null;
    }

    /** The list at a {@code #}-separated claim path; empty where the path leads nowhere (MONAI Label: a 500). */
    static List<String> roles(JsonObject claims, String path) {
        Object at = claims;
        for (String level : path.split("#")) {
            at = at instanceof JsonObject object ? object.getValue(level) : null;
        }
        List<String> roles = new ArrayList<>();
        if (at instanceof JsonArray array) {
            array.forEach(role -> {
                if (role instanceof String name) {
                    roles.add(name);
                }
            });
        }
        return List.copyOf(roles);
    }
}
