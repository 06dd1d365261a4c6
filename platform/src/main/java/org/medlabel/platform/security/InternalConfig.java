package org.medlabel.platform.security;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** How the services trust each other: {@code MEDLABEL_INTERNAL_TOKEN}, the same in every service and the gateway. */
@ConfigMapping(prefix = "medlabel.internal")
public interface InternalConfig {

    /**
     * The deployment's shared secret. When set, a service answers only calls that carry it (and name the user they are
     * made for), so that reaching a service's port is not enough to use it; the launcher sets one whenever auth is on,
     * the Kubernetes deployment takes it from the {@code medlabel-secrets} Secret.
     */
    Optional<String> token();
}
