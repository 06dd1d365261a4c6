package org.medlabel.ml.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.gaussian;
import static org.medlabel.ml.onnx.OrtRun.relativeError;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.nn.UnetrBuilder;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.SlowNetwork;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.runtime.ExecutionProvider;

/**
 * Networks whose 3-D convolutions run as 2-D convolutions over depth slices compute what the originals compute (ONNX
 * Runtime both sides; relative error below 1e-5, the same argmax), for batches of one and of two volumes, and keep no
 * 3-D convolution where the rewrite applies. The GPU form keeps them.
 */
class DepthSlicesTest {

    @Test
    void spleenUNetWithBatchAndInstanceNorm() throws Exception {
        for (Norm norm : List.of(Norm.BATCH, Norm.INSTANCE)) {
            ModelProto unet = new UNetBuilder()
                    .channels(4, 8, 16, 16)
                    .strides(2, 2, 2)
                    .norm(norm)
                    .seed(3)
                    .build();
            assertExact(unet, 1, 1, 16, 24, 32);
            assertExact(unet, 2, 1, 16, 16, 16);
        }
    }

    @Test
    void monaiSpleenUNetAtFullWidth() throws Exception {
        ModelProto spleen = new UNetBuilder().norm(Norm.BATCH).seed(0).build();
        assertExact(spleen, 1, 1, 32, 32, 32);
    }

    @Test
    void basicUNetWithPoolingAndDeconvolution() throws Exception {
        ModelProto basic = new BasicUNetBuilder()
                .spatialDims(3)
                .inChannels(3)
                .outChannels(1)
                .features(4, 4, 8, 8, 16, 4)
                .seed(2)
                .build();
        assertExact(basic, 1, 3, 16, 32, 48);
        assertExact(basic, 2, 3, 32, 16, 16);
    }

    @Test
    void unetrsConvolutionalDecoder() throws Exception {
        ModelProto unetr = new UnetrBuilder()
                .imageSize(32, 32, 32)
                .hiddenSize(48)
                .mlpDim(96)
                .heads(4)
                .featureSize(4)
                .seed(1)
                .build();
        assertExact(unetr, 1, 1, 32, 32, 32);
    }

    /** Depth kernels, strides and pads unlike the in-plane ones, odd sizes, and a 2-D network left alone. */
    @Test
    void anisotropicWindowsAndOddSizes() throws Exception {
        GraphBuilder g = new GraphBuilder("anisotropic");
        String x = g.input("image", -1, 2, -1, -1, -1);
        String conv = g.node(
                "Conv",
                List.of(x, g.floats("w", new long[] {6, 2, 5, 3, 1}, gaussian(6 * 2 * 15, 7))),
                Attributes.ints("kernel_shape", 5, 3, 1),
                Attributes.ints("strides", 3, 1, 2),
                Attributes.ints("pads", 2, 1, 0, 1, 0, 0));
        String relu = g.node("LeakyRelu", List.of(conv), Attributes.real("alpha", 0.1f));
        String up = g.node(
                "ConvTranspose",
                List.of(
                        relu,
                        g.floats("u", new long[] {6, 3, 3, 2, 2}, gaussian(6 * 3 * 12, 8)),
                        g.floats("ub", new long[] {3}, gaussian(3, 9))),
                Attributes.ints("kernel_shape", 3, 2, 2),
                Attributes.ints("strides", 2, 2, 1),
                Attributes.ints("pads", 1, 0, 0, 1, 0, 1),
                Attributes.ints("output_padding", 1, 0, 0));
        String pooled = g.node(
                "MaxPool", List.of(up), Attributes.ints("kernel_shape", 3, 2, 1), Attributes.ints("strides", 2, 2, 1));
        g.output(
                g.node("Mul", List.of(pooled, g.floats("s", new long[] {1, 3, 1, 1, 1}, gaussian(3, 10)))),
                -1,
                3,
                -1,
                -1,
                -1);
        ModelProto model = g.model(17, Map.of());
        assertExact(model, 1, 2, 17, 11, 9);
        assertExact(model, 2, 2, 13, 6, 7);

        ModelProto twoD = new BasicUNetBuilder()
                .spatialDims(2)
                .features(4, 4, 8, 8, 16, 4)
                .build();
        assertEquals(0, slices(GraphOptimizer.optimize(twoD, ExecutionProvider.CPU, OptionalLong.of(64 * 64))));
    }

    /** A graph whose output has no declared shape (ORT inferred it) still tells its channel count afterwards. */
    @Test
    void anUndeclaredOutputKeepsItsChannelCount() throws Exception {
        ModelProto slow = ModelProto.parseFrom(SlowNetwork.onnx(2));
        assertFalse(slow.getGraph().getOutput(0).getType().getTensorType().hasShape());
        ModelProto rewritten = GraphOptimizer.optimize(slow, ExecutionProvider.CPU, OptionalLong.of(32 * 32 * 32))
                .model();
        assertTrue(slices(GraphOptimizer.optimize(slow, ExecutionProvider.CPU, OptionalLong.of(32 * 32 * 32))) > 0);
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(rewritten.toByteArray())) {
            long[] shape = ((TensorInfo)
                            session.getOutputInfo().values().iterator().next().getInfo())
                    .getShape();
            assertEquals(5, shape.length);
            assertEquals(2, shape[1]);
        }
        assertExact(slow, 1, 1, 9, 10, 11);
    }

    /** Where the stacked slices would pass the memory bound (MONAI Label's DeepGrow 3D volume), nothing changes. */
    @Test
    void largeInputsKeepTheirThreeDimensionalConvolutions() {
        ModelProto deepGrow = new BasicUNetBuilder()
                .spatialDims(3)
                .inChannels(3)
                .outChannels(1)
                .features(32, 64, 128, 256, 512, 32)
                .build();
        assertEquals(
                0, slices(GraphOptimizer.optimize(deepGrow, ExecutionProvider.CPU, OptionalLong.of(128 * 192 * 192))));
        assertTrue(slices(GraphOptimizer.optimize(deepGrow, ExecutionProvider.CPU, OptionalLong.of(64 * 64 * 64))) > 0);
        assertEquals(0, slices(GraphOptimizer.optimize(deepGrow)), "no bound given: no slices");
    }

    private static int slices(GraphOptimizer.Result r) {
        return r.applied().get("3-D operators -> depth slices");
    }

    private static void assertExact(ModelProto model, long... shape) throws Exception {
        OptionalLong voxels = OptionalLong.of(shape[2] * shape[3] * shape[4]);
        GraphOptimizer.Result cpu = GraphOptimizer.optimize(model, ExecutionProvider.CPU, voxels);
        GraphOptimizer.Result gpu = GraphOptimizer.optimize(model, ExecutionProvider.CUDA, voxels);
        assertTrue(slices(cpu) > 0, "rewritten: " + cpu.applied());
        assertEquals(0, slices(gpu), "the CUDA form keeps 3-D convolutions");
        assertTrue(OrtRun.count(gpu.model(), "Conv") > 0);
        float[] x = gaussian(OrtRun.size(shape), 5);
        OrtRun.Output expected = OrtRun.run(model, x, shape);
        OrtRun.Output actual = OrtRun.run(cpu.model(), x, shape);
        assertArrayEquals(expected.shape(), actual.shape());
        double error = relativeError(actual.values(), expected.values());
        assertTrue(error < 1e-5, "relative error " + error);
        assertEquals(0, threeDConvolutions(cpu.model()), "no 3-D convolution left");
        if (expected.shape()[1] > 1) {
            assertEquals(0, argmaxDifferences(actual, expected), "the same argmax everywhere");
        }
    }

    private static long threeDConvolutions(ModelProto model) {
        return model.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().startsWith("Conv"))
                .filter(n -> model.getGraph().getInitializerList().stream()
                        .anyMatch(t -> t.getName().equals(n.getInput(1)) && t.getDimsCount() == 5))
                .count();
    }

    private static int argmaxDifferences(OrtRun.Output a, OrtRun.Output b) {
        long[] s = a.shape();
        int channels = (int) s[1];
        int voxels = a.values().length / (int) s[0] / channels;
        int differences = 0;
        for (int n = 0; n < s[0]; n++) {
            for (int v = 0; v < voxels; v++) {
                if (argmax(a.values(), n, channels, voxels, v) != argmax(b.values(), n, channels, voxels, v)) {
                    differences++;
                }
            }
        }
        return differences;
    }

    private static int argmax(float[] values, int n, int channels, int voxels, int v) {
        int best = 0;
        for (int c = 1; c < channels; c++) {
            if (values[(n * channels + c) * voxels + v] > values[(n * channels + best) * voxels + v]) {
                best = c;
            }
        }
        return best;
    }
}
