package org.medlabel.inference.health;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;
import org.medlabel.ml.runtime.NativeLibraries;
import org.medlabel.ml.runtime.OnnxRuntimeInfo;

/**
 * Ready when ONNX Runtime's native library loaded. It is probed once at start-up, because a library that failed to
 * load will not load later in the same JVM; the result names the execution providers inference will use.
 */
@Readiness
@ApplicationScoped
public class OnnxRuntimeHealthCheck implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(OnnxRuntimeHealthCheck.class);

    private final Path nativeCache;
    private volatile HealthCheckResponse result = HealthCheckResponse.named("onnxruntime")
            .down()
            .withData("error", "not probed yet")
            .build();

    /**
     * @param nativeCache where ONNX Runtime's native libraries are extracted once, instead of into a new temporary
     *     directory at every start
     */
    public OnnxRuntimeHealthCheck(@ConfigProperty(name = "medlabel.onnxruntime.native-cache") Path nativeCache) {
        this.nativeCache = nativeCache;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            NativeLibraries.prepare(nativeCache);
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
