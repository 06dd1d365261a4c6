package org.medlabel.inference.model;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once every model of the app has a loaded version; reports the versions served. */
@Readiness
@ApplicationScoped
public class ModelsHealthCheck implements HealthCheck {

    private final ModelRegistry registry;

    public ModelsHealthCheck(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("models").status(registry.ready());
        registry.versions().forEach((model, version) -> response.withData(model, version));
        return response.build();
    }
}
