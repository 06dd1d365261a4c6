package org.medlabel.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The inference service's settings ({@code medlabel.inference.*}; environment {@code MEDLABEL_INFERENCE_*}). */
@ConfigMapping(prefix = "medlabel.inference")
public interface InferenceConfig {

    /** The app: a shipped one by name ({@code radiology}) or a YAML file. */
    @WithDefault("radiology")
    String app();

    /** Where models run: {@code auto} (a GPU when usable, else the CPU), {@code cpu} or {@code cuda:N}. */
    @WithDefault("auto")
    String device();

    /**
     * Inferences that run at once. Default 1: on a small CPU one inference with all cores beats two sharing them, and
     * the queue keeps the others waiting without oversubscribing.
     */
    @WithDefault("1")
    int workers();

    /** ONNX Runtime threads per inference; default: the machine's cores divided by the workers. */
    Optional<Integer> intraOpThreads();

    /** Requests that may wait for a worker; more are answered 503 with Retry-After. */
    @WithDefault("8")
    int queueSize();

    /** Longest a request may wait and run; past it, 503. */
    @WithDefault("120s")
    Duration requestTimeout();

    /** Largest uploaded file accepted, in bytes (413 beyond). */
    @WithDefault("1073741824")
    long maxUploadBytes();

    /** Scratch space for uploads and results; each request's files are deleted when it ends. */
    @WithDefault("${java.io.tmpdir}/medlabel-inference")
    Path workDirectory();

    default int threadsPerWorker() {
        return intraOpThreads().orElse(Math.max(1, Runtime.getRuntime().availableProcessors() / workers()));
    }
}
