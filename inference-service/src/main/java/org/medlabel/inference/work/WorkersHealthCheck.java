package org.medlabel.inference.work;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Always up (a busy pool answers 503 per request, it is not unready); its data say how busy the inference workers are
 * and how many requests were refused or stopped early, for operators and load tests.
 */
@Readiness
@ApplicationScoped
public class WorkersHealthCheck implements HealthCheck {

    private final InferenceExecutor executor;

    public WorkersHealthCheck(InferenceExecutor executor) {
        this.executor = executor;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("inference-workers").up();
        executor.counts().forEach(response::withData);
        return response.build();
    }
}
