package org.medlabel.inference.health;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;
import org.medlabel.ml.runtime.OnnxRuntimeInfo;

/**
 * Ready when ONNX Runtime's native library loaded. It is probed once at start-up, because a library that failed to
 * load will not load later in the same JVM; the result names the execution providers inference will use.
 */
@Readiness
@ApplicationScoped
public class OnnxRuntimeHealthCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(OnnxRuntimeHealthCheck.class);

    private volatile HealthCheckResponse result = HealthCheckResponse.named("onnxruntime")
            .down()
            .withData("error", "not probed yet")
            .build();

    void onStart(@Observes StartupEvent event) {
        try {
            OnnxRuntimeInfo info = OnnxRuntimeInfo.probe();
            LOG.infof("ONNX Runtime %s, execution providers %s", info.version(), info.providers());
            result = HealthCheckResponse.named("onnxruntime")
                    .up()
                    .withData("version", info.version())
                    .withData("providers", info.providers().toString())
                    .build();
        } catch (RuntimeException | LinkageError e) { // includes a failed extraction (UncheckedIOException)
            LOG.error("ONNX Runtime failed to load; inference is unavailable", e);
            result = HealthCheckResponse.named("onnxruntime")
                    .down()
                    .withData("error", e.getClass().getSimpleName() + ": " + e.getMessage())
                    .build();
        }
    }

    @Override
    public HealthCheckResponse call() {
        return result;
    }
}
