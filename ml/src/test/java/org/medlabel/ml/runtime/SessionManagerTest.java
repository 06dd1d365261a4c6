package org.medlabel.ml.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.onnx.ConvFixture;

class SessionManagerTest {

    private final ConvFixture conv = new ConvFixture();
    private final byte[] model = conv.model().toByteArray();

    @Test
    void oneSessionPerKeySharedByThreadsOnTheCpu() throws Exception {
        try (SessionManager manager = new SessionManager(new SessionManager.Config(Device.parse("auto"), 2, 1))) {
            SessionManager.ModelSession a = manager.session("conv@1", model);
            assertSame(a, manager.session("conv@1", model));
            assertEquals(
                    ExecutionProvider.CPU, a.provider(), "this build has no usable GPU: auto falls back to the CPU");

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<?>[] runs = new Future<?>[8];
                for (int r = 0; r < runs.length; r++) {
                    runs[r] = pool.submit(() -> {
                        float[] x = new ConvFixture().randoms(ConvFixture.C_IN * ConvFixture.H * ConvFixture.W);
                        assertArrayEquals(conv.reference(x), run(a.session(), x), 1e-5f);
                        return null;
                    });
                }
                for (Future<?> f : runs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }

            manager.release("conv@1");
            assertNotSame(a, manager.session("conv@1", model), "a released key gets a new session");
        }
    }

    @Test
    void aSessionWithoutTheArenaOrMemoryPatternComputesTheSame() throws Exception {
        SessionManager.Config config = new SessionManager.Config(Device.parse("cpu"), 1, 1)
                .withCpuArena(false)
                .withoutMemoryPattern();
        assertEquals(false, config.cpuArena() || config.memoryPattern());
        try (SessionManager manager = new SessionManager(config)) {
            float[] x = conv.randoms(ConvFixture.C_IN * ConvFixture.H * ConvFixture.W);
            assertArrayEquals(
                    conv.reference(x), run(manager.session("conv@1", model).session(), x), 1e-5f);
        }
    }

    @Test
    void anExplicitGpuThatIsMissingIsAnErrorNotASilentFallback() throws Exception {
        try (SessionManager manager = new SessionManager(new SessionManager.Config(Device.parse("cuda:1"), 1, 1))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> manager.session("conv@1", model));
            assertTrue(e.getMessage().contains("-Pgpu"), e.getMessage());
        }
    }

    @Test
    void parsesDevices() {
        assertEquals(new Device(Device.Kind.CUDA, 2), Device.parse(" CUDA:2 "));
        assertEquals(new Device(Device.Kind.CUDA, 0), Device.parse("cuda"));
        assertEquals("cpu", Device.parse("cpu").toString());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("gpu"));
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x"));
        assertThrows(IllegalArgumentException.class, () -> new SessionManager.Config(Device.parse("cpu"), 0, 1));
    }

    private static float[] run(OrtSession session, float[] x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {1, ConvFixture.C_IN, ConvFixture.H, ConvFixture.W};
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                OrtSession.Result result = session.run(Map.of("x", input))) {
            FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[y.remaining()];
            y.get(out);
            return out;
        }
    }
}
