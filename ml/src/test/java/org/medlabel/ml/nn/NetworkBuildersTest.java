package org.medlabel.ml.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.gaussian;
import static org.medlabel.ml.onnx.OrtRun.relativeError;
import static org.medlabel.ml.onnx.OrtRun.size;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.testinfra.PythonOracle;

/** The builders' networks run in ONNX Runtime and compute what PyTorch computes for MONAI's structure. */
class NetworkBuildersTest {

    /** PyTorch's float32 kernels sum in another order than ORT's. */
    private static final double TORCH_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void spleenUNetHasMonaisParametersLessTheBiasesThatFeedANorm() throws Exception {
        ModelProto spleen = new UNetBuilder().build();
        // MONAI's UNet(3, 1, 2, (16,32,64,128,256), (2,2,2,2), num_res_units=2) has 4,806,481 parameters; 1,218 of
        // them are biases of convolutions followed by instance norm: 2 per residual sub-unit of the encoder
        // (2·(16+32+64+128) + 2·256) and of each decoder transposed convolution and non-top residual unit (114 + 112).
        assertEquals(4_806_481 - 1_218, parameters(spleen));
        OrtRun.Output y = OrtRun.run(spleen, gaussian(32 * 32 * 32, 1), 1, 1, 32, 32, 32);
        assertArrayEquals(new long[] {1, 2, 32, 32, 32}, y.shape());
        assertEquals("ok", check(spleen));
    }

    static Stream<Arguments> unets() {
        return Stream.of(
                Arguments.of(new int[] {8, 16, 32}, new int[] {2, 2}, 2, Norm.INSTANCE, Activation.prelu()),
                Arguments.of(new int[] {4, 8, 8}, new int[] {2, 1}, 0, Norm.BATCH, Activation.relu()),
                Arguments.of(new int[] {4, 8}, new int[] {2}, 1, Norm.NONE, Activation.leakyRelu(0.2f)));
    }

    @ParameterizedTest
    @MethodSource("unets")
    void unetComputesWhatPyTorchComputes(int[] channels, int[] strides, int units, Norm norm, Activation act)
            throws Exception {
        ModelProto model = new UNetBuilder()
                .inChannels(2)
                .outChannels(3)
                .channels(channels)
                .strides(strides)
                .residualUnits(units)
                .norm(norm)
                .activation(act)
                .seed(7)
                .build();
        long[] shape = {2, 2, 16, 12, 8};
        Map<String, Object> config = TorchNetworks.unet(2, 3, channels, strides, units, norm, act, shape);
        assertMatchesTorch(model, config, shape, new long[] {2, 3, 16, 12, 8});
    }

    @Test
    void basicUNetComputesWhatPyTorchComputes() throws Exception {
        int[] features = {4, 4, 8, 8, 16, 4};
        ModelProto model = new BasicUNetBuilder()
                .inChannels(3)
                .outChannels(2)
                .features(features)
                .seed(3)
                .build();
        long[] shape = {1, 3, 16, 32, 16};
        assertMatchesTorch(model, TorchNetworks.basicUNet(features, shape), shape, new long[] {1, 2, 16, 32, 16});
    }

    @Test
    void twoDimensionalBasicUNetComputesWhatPyTorchComputes() throws Exception {
        int[] features = {4, 4, 8, 8, 16, 4};
        ModelProto model = new BasicUNetBuilder()
                .spatialDims(2)
                .inChannels(3)
                .outChannels(1)
                .features(features)
                .seed(4)
                .build();
        long[] shape = {2, 3, 32, 48};
        assertMatchesTorch(model, TorchNetworks.basicUNet(features, shape), shape, new long[] {2, 1, 32, 48});
    }

    @Test
    void deepGrowBasicUNetRunsWithMonaisDefaults() throws Exception {
        ModelProto model = new BasicUNetBuilder().inChannels(3).outChannels(1).build();
        OrtRun.Output y = OrtRun.run(model, gaussian(3 * 32 * 32 * 32, 2), 1, 3, 32, 32, 32);
        assertArrayEquals(new long[] {1, 1, 32, 32, 32}, y.shape());
        assertEquals("ok", check(model));
    }

    @Test
    void unetrComputesWhatPyTorchComputes() throws Exception {
        ModelProto model = new UnetrBuilder()
                .inChannels(1)
                .outChannels(3)
                .imageSize(32, 32, 16)
                .featureSize(4)
                .hiddenSize(32)
                .mlpDim(64)
                .heads(4)
                .seed(5)
                .build();
        long[] shape = {2, 1, 32, 32, 16};
        Map<String, Object> config = TorchNetworks.config("UNETR", shape);
        config.put("imageSize", new int[] {32, 32, 16});
        config.put("featureSize", 4);
        config.put("hiddenSize", 32);
        config.put("heads", 4);
        config.put("qkvBias", false);
        assertMatchesTorch(model, config, shape, new long[] {2, 3, 32, 32, 16});
        assertEquals("ok", check(model));
    }

    @Test
    void impossibleConfigurationsAreRefusedWithTheReason() {
        IllegalArgumentException strides = assertThrows(
                IllegalArgumentException.class,
                () -> new UNetBuilder().channels(8, 16, 32).strides(2).build());
        assertTrue(strides.getMessage().contains("3 channels and 1 strides"), strides.getMessage());
        IllegalArgumentException size =
                assertThrows(IllegalArgumentException.class, () -> new UnetrBuilder().imageSize(96, 96, 40));
        assertTrue(size.getMessage().contains("multiples of 16"), size.getMessage());
        IllegalArgumentException heads = assertThrows(
                IllegalArgumentException.class,
                () -> new UnetrBuilder().hiddenSize(100).heads(12).build());
        assertTrue(heads.getMessage().contains("not divisible by 12 heads"), heads.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BasicUNetBuilder().features(32, 64));
        assertThrows(IllegalArgumentException.class, () -> new BasicUNetBuilder().spatialDims(1));
        assertThrows(IllegalArgumentException.class, () -> new UNetBuilder().dropout(1.0));
    }

    @Test
    void sameSeedSameWeightsAndDropoutIsAnInferenceNoOp() throws Exception {
        assertEquals(
                new UNetBuilder().seed(4).build(), new UNetBuilder().seed(4).build());
        UNetBuilder small = new UNetBuilder().channels(4, 8).strides(2).seed(4);
        float[] x = gaussian(8 * 8 * 8, 9);
        float[] plain = OrtRun.run(small.build(), x, 1, 1, 8, 8, 8).values();
        ModelProto withDropout = small.dropout(0.3).build();
        assertTrue(OrtRun.count(withDropout, "Dropout") > 0);
        assertArrayEquals(plain, OrtRun.run(withDropout, x, 1, 1, 8, 8, 8).values());
    }

    private void assertMatchesTorch(ModelProto model, Map<String, Object> config, long[] shape, long[] outShape)
            throws Exception {
        float[] x = gaussian(size(shape), 11);
        OrtRun.Output ours = OrtRun.run(model, x, shape);
        assertArrayEquals(outShape, ours.shape());
        float[] torch = TorchNetworks.run(model, config, x, dir);
        double error = relativeError(ours.values(), torch);
        assertTrue(error < TORCH_TOLERANCE, "relative error vs PyTorch " + error);
    }

    private String check(ModelProto model) throws Exception {
        Path file = dir.resolve("checked.onnx");
        OnnxModelIo.write(model, file);
        return PythonOracle.run("onnx_oracle.py", "check", file).trim();
    }

    /** Learnable values: float initializers other than the shared constants of plain norms. */
    private static long parameters(ModelProto model) {
        return model.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataType() == TensorProto.DataType.FLOAT_VALUE
                        && !t.getName().startsWith("fixed."))
                .mapToLong(Tensors::elementCount)
                .sum();
    }
}
