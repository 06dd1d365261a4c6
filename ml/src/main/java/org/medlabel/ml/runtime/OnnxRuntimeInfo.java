package org.medlabel.ml.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the loaded ONNX Runtime offers on this machine. Probing it loads the native library, so a broken install
 * (wrong platform, missing CUDA libraries) shows up here, at start-up and in readiness, not at the first request.
 *
 * @param version the ONNX Runtime version string
 * @param providers the execution providers MedLabel can use, best first
 */
public record OnnxRuntimeInfo(String version, List<ExecutionProvider> providers) {

    public OnnxRuntimeInfo {
        providers = List.copyOf(providers);
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("ONNX Runtime offers no usable execution provider");
        }
    }

    /** Loads the native runtime (once per JVM) and reads what it offers. */
    public static OnnxRuntimeInfo probe() {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        return fromAvailable(env.getVersion(), OrtEnvironment.getAvailableProviders());
    }

    static OnnxRuntimeInfo fromAvailable(String version, Set<OrtProvider> available) {
        EnumSet<ExecutionProvider> usable = EnumSet.noneOf(ExecutionProvider.class);
        if (available.contains(OrtProvider.CUDA)) {
            usable.add(ExecutionProvider.CUDA);
        }
        if (available.contains(OrtProvider.CPU)) {
            usable.add(ExecutionProvider.CPU);
        }
        // EnumSet iterates in declaration order, which is best-first.
        return new OnnxRuntimeInfo(version, List.copyOf(usable));
    }

    /** The provider new sessions should use. */
    public ExecutionProvider preferred() {
        return providers.get(0);
    }
}
