package org.medlabel.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** The internal services the gateway routes to. */
@ConfigMapping(prefix = "medlabel.gateway")
public interface GatewayConfig {

    /** By name ({@code datastore}, {@code inference}, {@code training}). */
    Map<String, Service> services();

    /**
     * How long the gateway's readiness waits for each service's own readiness answer; longer than the services' own
     * dependency timeouts (2 s), so that a service with a dead dependency is reported with its failing checks.
     */
    @WithDefault("5s")
    Duration healthTimeout();

    interface Service {
        /** Base URL, e.g. {@code http://127.0.0.1:8081}. */
        URI url();
    }
}
