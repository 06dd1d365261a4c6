package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.ml.nn.Activation;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.DynUNetBuilder;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.SegResNetBuilder;
import org.medlabel.ml.nn.SwinUnetrBuilder;
import org.medlabel.ml.nn.TorchNetworks;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.nn.UnetrBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;

/**
 * A whole training graph's loss and gradients against PyTorch autograd in float64 on MONAI's structures with the same
 * weights: our float32 gradients must agree as closely as float32 arithmetic allows.
 */
class TrainingGraphTest {

    static final SessionManager.Config CPU = new SessionManager.Config(Device.parse("cpu"), 2, 1);

    /** Relative to each tensor's largest gradient; float32 PyTorch itself lands around 1e-5..1e-4 here. */
    private static final double GRADIENT_TOLERANCE = 1e-3;

    @TempDir
    Path dir;

    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of(
                        "UNet, instance norm, PReLU, DiceCE",
                        new UNetBuilder()
                                .channels(4, 8, 16)
                                .strides(2, 2)
                                .residualUnits(2)
                                .build(),
                        TorchNetworks.unet(
                                1,
                                2,
                                new int[] {4, 8, 16},
                                new int[] {2, 2},
                                2,
                                Norm.INSTANCE,
                                Activation.prelu(),
                                1,
                                1,
                                16,
                                16,
                                16),
                        Loss.diceCe()),
                Arguments.of(
                        "UNet, batch norm (batch statistics), ReLU, batch of 2, Dice",
                        new UNetBuilder()
                                .channels(4, 8)
                                .strides(2)
                                .residualUnits(1)
                                .norm(Norm.BATCH)
                                .activation(Activation.relu())
                                .build(),
                        training(TorchNetworks.unet(
                                1,
                                2,
                                new int[] {4, 8},
                                new int[] {2},
                                1,
                                Norm.BATCH,
                                Activation.relu(),
                                2,
                                1,
                                12,
                                10,
                                12)),
                        new Loss(Loss.Kind.DICE, null)),
                Arguments.of(
                        "UNet, affine instance norm, LeakyReLU, 3 classes, weighted cross-entropy",
                        new UNetBuilder()
                                .inChannels(2)
                                .outChannels(3)
                                .channels(4, 8)
                                .strides(2)
                                .residualUnits(0)
                                .norm(Norm.INSTANCE_AFFINE)
                                .activation(Activation.leakyRelu(0.1f))
                                .build(),
                        weighted(
                                TorchNetworks.unet(
                                        2,
                                        3,
                                        new int[] {4, 8},
                                        new int[] {2},
                                        0,
                                        Norm.INSTANCE_AFFINE,
                                        Activation.leakyRelu(0.1f),
                                        1,
                                        2,
                                        8,
                                        12,
                                        10),
                                "ce",
                                0.2f,
                                1f,
                                3f),
                        new Loss(Loss.Kind.CROSS_ENTROPY, new float[] {0.2f, 1f, 3f})),
                Arguments.of(
                        "BasicUNet (max pooling, 2x2x2 deconvolution), weighted DiceCE",
                        new BasicUNetBuilder()
                                .outChannels(2)
                                .features(4, 4, 8, 8, 8, 4)
                                .build(),
                        weighted(basicUNet(1, 3, 32, 32, 32), "dicece", 1f, 2f),
                        new Loss(Loss.Kind.DICE_CE, new float[] {1f, 2f})),
                Arguments.of(
                        "BasicUNet, one output channel (DeepGrow: image + 2 guidance channels), sigmoid DiceCE",
                        new BasicUNetBuilder()
                                .outChannels(1)
                                .features(4, 4, 8, 8, 8, 4)
                                .build(),
                        basicUNet(1, 3, 32, 32, 32),
                        Loss.diceCe()),
                Arguments.of(
                        "2-D BasicUNet (DeepGrow 2D: Conv2d, 2x2 pooling and deconvolution), sigmoid DiceCE",
                        new BasicUNetBuilder()
                                .spatialDims(2)
                                .outChannels(1)
                                .features(4, 4, 8, 8, 8, 4)
                                .build(),
                        basicUNet(2, 3, 32, 48),
                        Loss.diceCe()),
                Arguments.of(
                        "UNet, batch of 2, MONAI Label's spleen loss: DiceCE(squared_pred, batch)",
                        new UNetBuilder()
                                .channels(4, 8)
                                .strides(2)
                                .residualUnits(1)
                                .build(),
                        monaiOptions(
                                TorchNetworks.unet(
                                        1,
                                        2,
                                        new int[] {4, 8},
                                        new int[] {2},
                                        1,
                                        Norm.INSTANCE,
                                        Activation.prelu(),
                                        2,
                                        1,
                                        12,
                                        10,
                                        12),
                                "dicece"),
                        new Loss(Loss.Kind.DICE_CE, null, true, true)),
                Arguments.of(
                        "BasicUNet, one output channel, MONAI Label's DeepGrow loss: DiceLoss(sigmoid, squared_pred)",
                        new BasicUNetBuilder()
                                .outChannels(1)
                                .features(4, 4, 8, 8, 8, 4)
                                .build(),
                        squared(basicUNet(2, 3, 32, 32, 32)),
                        new Loss(Loss.Kind.DICE, null, true, false)),
                Arguments.of(
                        "UNETR (attention, layer norm, GELU, token reshapes), DiceCE",
                        new UnetrBuilder()
                                .outChannels(3)
                                .imageSize(32, 16, 16)
                                .featureSize(4)
                                .hiddenSize(32)
                                .mlpDim(64)
                                .heads(4)
                                .seed(5)
                                .build(),
                        unetr(),
                        Loss.diceCe()),
                Arguments.of(
                        "SegResNet (group norm, linear upsampling, pre-activation residuals), DiceCE",
                        new SegResNetBuilder()
                                .initFilters(8)
                                .groupNorm(4)
                                .blocksDown(1, 2, 1)
                                .blocksUp(1, 1)
                                .seed(6)
                                .build(),
                        TorchNetworks.monai(
                                "SegResNet",
                                Map.of(
                                        "init_filters",
                                        8,
                                        "norm",
                                        List.of("group", Map.of("num_groups", 4)),
                                        "blocks_down",
                                        List.of(1, 2, 1),
                                        "blocks_up",
                                        List.of(1, 1)),
                                1,
                                1,
                                16,
                                12,
                                16),
                        Loss.diceCe()),
                Arguments.of(
                        "DynUNet (residual blocks, a [2, 2, 1] level, LeakyReLU), DiceCE(squared_pred, batch)",
                        new DynUNetBuilder()
                                .inChannels(2)
                                .kernelSize(new int[] {3}, new int[] {3}, new int[] {3})
                                .strides(new int[] {1}, new int[] {2}, new int[] {2, 2, 1})
                                .upsampleKernelSize(new int[] {2}, new int[] {2, 2, 1})
                                .filters(4, 8, 8)
                                .norm(Norm.INSTANCE)
                                .resBlock(true)
                                .seed(8)
                                .build(),
                        monaiOptions(
                                TorchNetworks.monai(
                                        "DynUNet",
                                        Map.of(
                                                "spatial_dims",
                                                3,
                                                "in_channels",
                                                2,
                                                "out_channels",
                                                2,
                                                "kernel_size",
                                                List.of(3, 3, 3),
                                                "strides",
                                                List.of(1, 2, List.of(2, 2, 1)),
                                                "upsample_kernel_size",
                                                List.of(2, List.of(2, 2, 1)),
                                                "filters",
                                                List.of(4, 8, 8),
                                                "norm_name",
                                                "instance",
                                                "res_block",
                                                true),
                                        2,
                                        2,
                                        16,
                                        16,
                                        8),
                                "dicece"),
                        new Loss(Loss.Kind.DICE_CE, null, true, true)),
                Arguments.of(
                        "SwinUNETR (window attention with relative position bias, shifted masked windows, patch"
                                + " merging, windows clipped along some axes), DiceCE",
                        new SwinUnetrBuilder()
                                .imageSize(32, 32, 64)
                                .inChannels(2)
                                .featureSize(12)
                                .depths(2, 1, 2, 1)
                                .heads(2, 2, 4, 4)
                                .windowSize(4)
                                .seed(9)
                                .build(),
                        TorchNetworks.monai(
                                "SwinUNETR",
                                Map.of(
                                        "img_size",
                                        List.of(32, 32, 64),
                                        "in_channels",
                                        2,
                                        "out_channels",
                                        2,
                                        "feature_size",
                                        12,
                                        "depths",
                                        List.of(2, 1, 2, 1),
                                        "num_heads",
                                        List.of(2, 2, 4, 4),
                                        "window_size",
                                        4),
                                1,
                                2,
                                32,
                                32,
                                64),
                        Loss.diceCe()));
    }

    private static Map<String, Object> unetr() {
        Map<String, Object> c = TorchNetworks.config("UNETR", 1, 1, 32, 16, 16);
        c.put("imageSize", new int[] {32, 16, 16});
        c.put("featureSize", 4);
        c.put("hiddenSize", 32);
        c.put("heads", 4);
        c.put("qkvBias", false);
        return c;
    }

    private static Map<String, Object> monaiOptions(Map<String, Object> config, String loss) {
        config.put("loss", loss);
        config.put("squaredPred", true);
        config.put("batch", true);
        return config;
    }

    private static Map<String, Object> squared(Map<String, Object> config) {
        config.put("loss", "dice");
        config.put("squaredPred", true);
        return config;
    }

    private static Map<String, Object> training(Map<String, Object> config) {
        config.put("training", true);
        config.put("loss", "dice");
        return config;
    }

    private static Map<String, Object> weighted(Map<String, Object> config, String loss, float... weights) {
        config.put("loss", loss);
        config.put("classWeights", weights);
        return config;
    }

    private static Map<String, Object> basicUNet(long... shape) {
        return TorchNetworks.basicUNet(new int[] {4, 4, 8, 8, 8, 4}, shape);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void lossAndGradientsMatchPyTorch(String name, ModelProto model, Map<String, Object> config, Loss loss)
            throws Exception {
        long[] shape = (long[]) config.get("inputShape");
        int classes = (int)
                (long) OrtRun.run(model, new float[OrtRun.size(shape)], shape).shape()[1];
        float[] image = OrtRun.gaussian(OrtRun.size(shape), 3);
        float[] labels = labels(shape, Math.max(classes, 2), 4); // 0/1 for a one-channel (sigmoid) loss
        TrainingGraph graph = TrainingGraph.build(
                TrainingGraph.Spec.of(model, shape).with(loss).withGradientOutputs());
        assertEquals(0, OrtRun.count(graph.model(), "ConvTranspose"), "transposed convolutions left in the graph");

        TorchNetworks.Gradients expected = TorchNetworks.gradients(model, config, image, labels, dir);
        try (Trainer trainer = Trainer.start(graph, CPU)) {
            Trainer.StepResult step = trainer.step(image, labels, 1e-3f);
            assertEquals(expected.loss(), step.loss(), 1e-5 * Math.abs(expected.loss()), name + ": loss");
            Map<String, float[]> ours = trainer.lastGradients();
            assertEquals(expected.byParameter().keySet(), ours.keySet(), "trained parameters");
            double worst = 0;
            String worstName = "";
            for (Map.Entry<String, double[]> e : expected.byParameter().entrySet()) {
                double error = relativeError(ours.get(e.getKey()), e.getValue());
                if (error > worst) {
                    worst = error;
                    worstName = e.getKey();
                }
            }
            assertTrue(worst < GRADIENT_TOLERANCE, name + ": worst gradient " + worstName + " off by " + worst);
        }
    }

    /** Random class indices, every class present. */
    static float[] labels(long[] imageShape, int classes, long seed) {
        long[] shape = imageShape.clone();
        shape[1] = 1;
        float[] labels = new float[OrtRun.size(shape)];
        Random random = new Random(seed);
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < classes ? i : random.nextInt(classes);
        }
        return labels;
    }

    static double relativeError(float[] actual, double[] expected) {
        assertArrayEquals(new int[] {expected.length}, new int[] {actual.length});
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }
}
