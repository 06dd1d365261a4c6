package org.medlabel.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The gateway: where the internal services are, how it calls them, and MONAI Label's server settings. */
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

    /** Prefix of every MONAI Label path, as MONAI Label's {@code MONAI_LABEL_API_STR}: empty, or e.g. {@code /api}. */
    @WithDefault("/")
    String rootPath();

    /**
     * The gateway's address as clients reach it, used where MONAI Label answers with a file path (active learning's
     * {@code path}, {@code output=train}); by default taken from each request's {@code Host}.
     */
    Optional<URI> publicUrl();

    /** How long {@code /info/} is served from its cache before it is refreshed (in the background). */
    @WithDefault("2s")
    Duration infoCacheTtl();

    /** Largest JSON or form body the gateway reads itself (params, info, train and strategy bodies). */
    @WithDefault("1048576")
    int maxFormBytes();

    /** The log file {@code GET /logs/} shows; without one it answers 404 as MONAI Label does without its log. */
    Optional<Path> logFile();

    Calls calls();

    /** How internal calls are made and guarded. */
    interface Calls {
        /** Connecting to a service. */
        @WithDefault("2s")
        Duration connectTimeout();

        /** Small calls (JSON, metadata): the whole answer within this. */
        @WithDefault("30s")
        Duration timeout();

        /**
         * Streamed calls (uploads, downloads, inference): at most this long without a byte either way; an inference
         * sends nothing until it is done, so this bounds it as MONAI Label's {@code MONAI_LABEL_INFER_TIMEOUT}.
         */
        @WithDefault("600s")
        Duration idleTimeout();

        /** Retries of a failed call that can be repeated (no streamed body), with exponential backoff. */
        @WithDefault("2")
        int maxRetries();

        @WithDefault("200ms")
        Duration retryDelay();

        /** A service's circuit opens when this share of its last {@link #circuitWindow()} calls failed to connect. */
        @WithDefault("0.5")
        double circuitFailureRatio();

        @WithDefault("10")
        int circuitWindow();

        /** How long an open circuit answers 503 at once before a trial call goes through. */
        @WithDefault("5s")
        Duration circuitDelay();

        /**
         * The deployment's shared secret the services require on every call when it is set ({@code
         * MEDLABEL_INTERNAL_TOKEN}, the same variable the services read).
         */
        Optional<String> internalToken();
    }

    interface Service {
        /** Base URL, e.g. {@code http://127.0.0.1:8081}. */
        URI url();
    }
}
