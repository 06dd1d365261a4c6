package org.medlabel.platform.security;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** This service's {@link InternalIdentity}, from {@code MEDLABEL_INTERNAL_TOKEN} and its application name. */
public class InternalIdentityProducer {

    @Produces
    @Singleton
    InternalIdentity identity(InternalConfig config, @ConfigProperty(name = "quarkus.application.name") String name) {
        return new InternalIdentity(config.token(), name);
    }
}
