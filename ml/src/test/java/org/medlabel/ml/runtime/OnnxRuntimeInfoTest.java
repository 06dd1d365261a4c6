package org.medlabel.ml.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtProvider;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnnxRuntimeInfoTest {

    @Test
    void loadsTheNativeRuntimeAndFindsTheCpuProvider() {
        OnnxRuntimeInfo info = OnnxRuntimeInfo.probe();
        assertTrue(info.version().startsWith("1."), info.version());
        assertTrue(
                info.providers().contains(ExecutionProvider.CPU),
                info.providers().toString());
    }

    @Test
    void prefersCudaWhenPresentAndIgnoresProvidersWeDoNotConfigure() {
        OnnxRuntimeInfo gpu = OnnxRuntimeInfo.fromAvailable(
                "1.29.0", Set.of(OrtProvider.CPU, OrtProvider.CUDA, OrtProvider.TENSOR_RT));
        assertEquals(List.of(ExecutionProvider.CUDA, ExecutionProvider.CPU), gpu.providers());
        assertEquals(ExecutionProvider.CUDA, gpu.preferred());
        assertEquals(
                ExecutionProvider.CPU,
                OnnxRuntimeInfo.fromAvailable("1.29.0", Set.of(OrtProvider.CPU)).preferred());
    }

    @Test
    void failsClearlyWithoutAUsableProvider() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> OnnxRuntimeInfo.fromAvailable("1.29.0", Set.of(OrtProvider.DNNL)));
        assertTrue(e.getMessage().contains("no usable execution provider"));
    }
}
