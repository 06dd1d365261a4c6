package org.medlabel.platform.security;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.medlabel.api.internal.InternalHeaders;

/**
 * Refuses calls that do not come from MedLabel when the deployment has an internal token: the services trust only the
 * gateway and each other. Probes and metrics ({@code /q/...}) stay open, as Kubernetes and Prometheus call them.
 */
@Singleton
public class InternalCallFilter {

    private final Instance<InternalConfig> config;
    private volatile Optional<byte[]> token;

    /** The configuration is read at the first request: REST filters are made at start-up, before runtime config. */
    public InternalCallFilter(Instance<InternalConfig> config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        Optional<byte[]> token = this.token;
        if (token == null) {
            token = config.get().token().map(t -> t.getBytes(StandardCharsets.UTF_8));
            this.token = token;
        }
        if (token.isEmpty() || request.getUriInfo().getPath().startsWith("/q/")) {
            return Optional.empty();
        }
        String given = request.getHeaderString(InternalHeaders.TOKEN);
        if (given == null || !MessageDigest.isEqual(token.get(), given.getBytes(StandardCharsets.UTF_8))) {
            return refuse("this is an internal MedLabel service: call it through the gateway");
        }
        String user = request.getHeaderString(InternalHeaders.USER);
        if (user == null || user.isBlank()) {
            return refuse("an internal call must name the user it is made for (" + InternalHeaders.USER + ")");
        }
        return Optional.empty();
    }

    private static Optional<Response> refuse(String detail) {
        return Optional.of(Response.status(401)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("detail", detail, "code", "INTERNAL_CALL_REFUSED"))
                .build());
    }
}
