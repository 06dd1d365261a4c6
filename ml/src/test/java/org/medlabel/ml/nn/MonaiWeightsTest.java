package org.medlabel.ml.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.relativeError;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.torch.StateDict;
import org.medlabel.ml.torch.TorchCheckpoint;
import org.medlabel.testinfra.PythonOracle;

/**
 * MONAI's own networks (monai.networks.nets, seeded, every parameter and buffer random) saved by PyTorch in each layout
 * users have — a state dict, {"model": sd}, {"state_dict": sd} with DataParallel's prefix and an optimiser's state,
 * TorchScript, float16 — load into the network our builder makes from the same settings, and ONNX Runtime then computes
 * MONAI's eval output (monai_checkpoint.py).
 */
class MonaiWeightsTest {

    private static final double TOLERANCE = 1e-4;
    private static final List<String> LAYOUTS = List.of("state_dict.pt", "model.pt", "wrapped.pt", "model.ts");

    @TempDir
    Path dir;

    record Case(String name, Supplier<ModelProto> ours, String network, Map<String, Object> args, long[] input) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> networks() {
        return Stream.of(
                        new Case(
                                "spleen UNet, batch norm",
                                () -> new UNetBuilder().norm(Norm.BATCH).build(),
                                "UNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        2,
                                        "channels",
                                        List.of(16, 32, 64, 128, 256),
                                        "strides",
                                        List.of(2, 2, 2, 2),
                                        "num_res_units",
                                        2,
                                        "norm",
                                        "batch"),
                                new long[] {1, 1, 32, 32, 32}),
                        new Case(
                                "UNet without residual units, instance norm",
                                () -> new UNetBuilder()
                                        .inChannels(2)
                                        .outChannels(3)
                                        .channels(8, 16, 32)
                                        .strides(2, 2)
                                        .residualUnits(0)
                                        .norm(Norm.INSTANCE)
                                        .build(),
                                "UNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        2,
                                        "out_channels",
                                        3,
                                        "channels",
                                        List.of(8, 16, 32),
                                        "strides",
                                        List.of(2, 2),
                                        "num_res_units",
                                        0,
                                        "norm",
                                        "instance"),
                                new long[] {2, 2, 16, 16, 16}),
                        new Case(
                                "UNet of 4 levels, 3 residual units, a stride of 1, batch norm, dropout",
                                () -> new UNetBuilder()
                                        .channels(4, 8, 16, 32)
                                        .strides(2, 2, 1)
                                        .residualUnits(3)
                                        .norm(Norm.BATCH)
                                        .dropout(0.2)
                                        .build(),
                                "UNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        2,
                                        "channels",
                                        List.of(4, 8, 16, 32),
                                        "strides",
                                        List.of(2, 2, 1),
                                        "num_res_units",
                                        3,
                                        "norm",
                                        "batch",
                                        "dropout",
                                        0.2),
                                new long[] {1, 1, 16, 16, 16}),
                        new Case(
                                "UNet, affine instance norm, ReLU",
                                () -> new UNetBuilder()
                                        .channels(4, 8)
                                        .strides(2)
                                        .residualUnits(1)
                                        .norm(Norm.INSTANCE_AFFINE)
                                        .activation(Activation.relu())
                                        .build(),
                                "UNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        2,
                                        "channels",
                                        List.of(4, 8),
                                        "strides",
                                        List.of(2),
                                        "num_res_units",
                                        1,
                                        "norm",
                                        List.of("instance", Map.of("affine", true)),
                                        "act",
                                        "relu"),
                                new long[] {1, 1, 16, 16, 16}),
                        new Case(
                                "BasicUNet 3-D",
                                () -> new BasicUNetBuilder()
                                        .inChannels(3)
                                        .outChannels(1)
                                        .features(4, 8, 8, 16, 16, 4)
                                        .build(),
                                "BasicUNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        3,
                                        "out_channels",
                                        1,
                                        "features",
                                        List.of(4, 8, 8, 16, 16, 4)),
                                new long[] {1, 3, 32, 32, 32}),
                        new Case(
                                "BasicUNet 2-D",
                                () -> new BasicUNetBuilder()
                                        .spatialDims(2)
                                        .inChannels(3)
                                        .outChannels(1)
                                        .features(4, 8, 8, 16, 16, 4)
                                        .build(),
                                "BasicUNet",
                                args(
                                        "spatial_dims",
                                        2,
                                        "in_channels",
                                        3,
                                        "out_channels",
                                        1,
                                        "features",
                                        List.of(4, 8, 8, 16, 16, 4)),
                                new long[] {2, 3, 32, 32}),
                        new Case(
                                "UNETR",
                                () -> new UnetrBuilder()
                                        .inChannels(1)
                                        .outChannels(3)
                                        .imageSize(32, 32, 16)
                                        .featureSize(4)
                                        .hiddenSize(32)
                                        .mlpDim(64)
                                        .heads(4)
                                        .build(),
                                "UNETR",
                                args(
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        3,
                                        "img_size",
                                        List.of(32, 32, 16),
                                        "feature_size",
                                        4,
                                        "hidden_size",
                                        32,
                                        "mlp_dim",
                                        64,
                                        "num_heads",
                                        4,
                                        "proj_type",
                                        "conv",
                                        "norm_name",
                                        "instance",
                                        "res_block",
                                        true),
                                new long[] {1, 1, 32, 32, 16}),
                        new Case(
                                "SegResNet (BraTS layout: group norm, linear upsampling, 4 channels in)",
                                () -> new SegResNetBuilder()
                                        .inChannels(4)
                                        .outChannels(3)
                                        .dropout(0.2)
                                        .build(),
                                "SegResNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        4,
                                        "out_channels",
                                        3,
                                        "init_filters",
                                        8,
                                        "blocks_down",
                                        List.of(1, 2, 2, 4),
                                        "blocks_up",
                                        List.of(1, 1, 1),
                                        "dropout_prob",
                                        0.2),
                                new long[] {1, 4, 16, 24, 16}),
                        new Case(
                                "SegResNet 2-D, 4 groups, transposed-convolution upsampling",
                                () -> new SegResNetBuilder()
                                        .spatialDims(2)
                                        .initFilters(8)
                                        .groupNorm(4)
                                        .blocksDown(1, 2, 1)
                                        .blocksUp(2, 1)
                                        .upsample(SegResNetBuilder.Upsample.DECONV)
                                        .build(),
                                "SegResNet",
                                args(
                                        "spatial_dims",
                                        2,
                                        "init_filters",
                                        8,
                                        "norm",
                                        List.of("group", Map.of("num_groups", 4)),
                                        "blocks_down",
                                        List.of(1, 2, 1),
                                        "blocks_up",
                                        List.of(2, 1),
                                        "upsample_mode",
                                        "deconv"),
                                new long[] {2, 1, 32, 20}),
                        new Case(
                                "DynUNet (the zoo's DeepEdit/paediatric layout: residual blocks, a [2, 2, 1] level)",
                                () -> new DynUNetBuilder()
                                        .inChannels(3)
                                        .outChannels(2)
                                        .kernelSize(k(3), k(3), k(3), k(3), k(3), k(3))
                                        .strides(k(1), k(2), k(2), k(2), k(2), k(2, 2, 1))
                                        .upsampleKernelSize(k(2), k(2), k(2), k(2), k(2, 2, 1))
                                        .filters(4, 8, 8, 16, 16, 16)
                                        .norm(Norm.INSTANCE)
                                        .resBlock(true)
                                        .build(),
                                "DynUNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        3,
                                        "out_channels",
                                        2,
                                        "kernel_size",
                                        List.of(3, 3, 3, 3, 3, 3),
                                        "strides",
                                        List.of(1, 2, 2, 2, 2, List.of(2, 2, 1)),
                                        "upsample_kernel_size",
                                        List.of(2, 2, 2, 2, List.of(2, 2, 1)),
                                        "filters",
                                        List.of(4, 8, 8, 16, 16, 16),
                                        "norm_name",
                                        "instance",
                                        "deep_supervision",
                                        false,
                                        "res_block",
                                        true),
                                new long[] {1, 3, 64, 64, 32}),
                        new Case(
                                "DynUNet, basic blocks, affine instance norm, anisotropic kernels, deep supervision",
                                () -> new DynUNetBuilder()
                                        .kernelSize(k(3, 3, 1), k(3), k(3))
                                        .strides(k(1), k(2, 2, 1), k(2))
                                        .upsampleKernelSize(k(2, 2, 1), k(2))
                                        .filters(4, 8, 16)
                                        .transBias(true)
                                        .build(),
                                "DynUNet",
                                args(
                                        "spatial_dims",
                                        3,
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        2,
                                        "kernel_size",
                                        List.of(List.of(3, 3, 1), 3, 3),
                                        "strides",
                                        List.of(1, List.of(2, 2, 1), 2),
                                        "upsample_kernel_size",
                                        List.of(List.of(2, 2, 1), 2),
                                        "filters",
                                        List.of(4, 8, 16),
                                        "deep_supervision",
                                        true,
                                        "deep_supr_num",
                                        1,
                                        "trans_bias",
                                        true),
                                new long[] {1, 1, 16, 16, 12}),
                        new Case(
                                "UNet 2-D (the ventricular bundle's layout: residual units, batch of slices)",
                                () -> new UNetBuilder()
                                        .spatialDims(2)
                                        .outChannels(4)
                                        .channels(4, 8, 16)
                                        .strides(2, 2)
                                        .build(),
                                "UNet",
                                args(
                                        "spatial_dims",
                                        2,
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        4,
                                        "channels",
                                        List.of(4, 8, 16),
                                        "strides",
                                        List.of(2, 2),
                                        "num_res_units",
                                        2),
                                new long[] {2, 1, 64, 48}),
                        new Case(
                                // 64x32x32, not 64³ (a quarter of the time; 32³ leaves MONAI one bottleneck voxel)
                                "SwinUNETR (the BTCV layout, feature size 12): windows padded, shifted, and clipped",
                                () -> new SwinUnetrBuilder()
                                        .imageSize(64, 32, 32)
                                        .outChannels(3)
                                        .featureSize(12)
                                        .build(),
                                "SwinUNETR",
                                args(
                                        "img_size",
                                        List.of(64, 32, 32),
                                        "in_channels",
                                        1,
                                        "out_channels",
                                        3,
                                        "feature_size",
                                        12,
                                        "use_checkpoint",
                                        false),
                                new long[] {1, 1, 64, 32, 32}),
                        new Case(
                                "SwinUNETR v2: merging v2, [4, 4, 2] windows, 2 images, no qkv bias, not normalised",
                                () -> new SwinUnetrBuilder()
                                        .imageSize(32, 64, 32)
                                        .inChannels(2)
                                        .outChannels(2)
                                        .featureSize(24)
                                        .depths(2, 1, 2, 1)
                                        .heads(2, 4, 4, 8)
                                        .windowSize(4, 4, 2)
                                        .qkvBias(false)
                                        .normalize(false)
                                        .mergingV2(true)
                                        .v2(true)
                                        .build(),
                                "SwinUNETR",
                                args(
                                        "img_size",
                                        List.of(32, 64, 32),
                                        "in_channels",
                                        2,
                                        "out_channels",
                                        2,
                                        "feature_size",
                                        24,
                                        "depths",
                                        List.of(2, 1, 2, 1),
                                        "num_heads",
                                        List.of(2, 4, 4, 8),
                                        "window_size",
                                        List.of(4, 4, 2),
                                        "qkv_bias",
                                        false,
                                        "normalize",
                                        false,
                                        "downsample",
                                        "mergingv2",
                                        "use_v2",
                                        true),
                                new long[] {2, 2, 32, 64, 32}))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void everyLayoutGivesMonaisOutput(Case c) throws Exception {
        save(c, 7);
        float[] x = TorchNetworks.readFloats(dir.resolve("input.bin"));
        float[] expected = TorchNetworks.readFloats(dir.resolve("output.bin"));
        ModelProto ours = c.ours().get();
        for (String layout : LAYOUTS) {
            if (layout.endsWith(".ts") && Boolean.FALSE.equals(torchscript(c))) {
                continue;
            }
            StateDict weights = TorchCheckpoint.read(dir.resolve(layout));
            OrtRun.Output y = OrtRun.run(StateDictLoader.load(ours, weights), x, c.input());
            double error = relativeError(y.values(), expected);
            assertTrue(error < TOLERANCE, layout + " (" + weights.source() + "): relative error vs MONAI " + error);
        }
        StateDict half = TorchCheckpoint.read(dir.resolve("half.pt"));
        float[] y = OrtRun.run(StateDictLoader.load(ours, half), x, c.input()).values();
        double error = relativeError(y, TorchNetworks.readFloats(dir.resolve("output_half.bin")));
        assertTrue(error < TOLERANCE, "float16 weights: relative error vs MONAI " + error);
    }

    /** Each case's builder settings were checked against MONAI above: MONAI's own arguments must give the same graph. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void monaisArgumentsBuildTheSameNetwork(Case c) {
        assertEquals(c.ours().get(), MonaiNetworks.build("monai.networks.nets." + c.network(), c.args(), 0));
    }

    @Test
    void whatMonaiNetworksCannotReproduceIsRefusedByName() {
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put(
                "network monai.networks.nets.DiNTS is not supported; MedLabel builds UNet, BasicUNet, UNETR, SegResNet,"
                        + " DynUNet, SwinUNETR",
                refusal("monai.networks.nets.DiNTS", args("in_channels", 1)));
        refusals.put(
                "UNet argument spatial_dims: must be 2 or 3, was 1",
                refusal(
                        "UNet",
                        args(
                                "spatial_dims",
                                1,
                                "in_channels",
                                1,
                                "out_channels",
                                4,
                                "channels",
                                List.of(16, 32),
                                "strides",
                                List.of(2))));
        refusals.put(
                "SwinUNETR argument img_size: is required: MedLabel builds SwinUNETR for one input size, the sliding"
                        + " window's roi_size",
                refusal("SwinUNETR", args("in_channels", 1, "out_channels", 14, "feature_size", 48)));
        refusals.put(
                "SwinUNETR argument dropout_path_rate: only 0.0 is supported, was 0.1",
                refusal(
                        "SwinUNETR",
                        args("img_size", 96, "in_channels", 1, "out_channels", 2, "dropout_path_rate", 0.1)));
        refusals.put(
                "SwinUNETR's image size [96, 96, 80] must be divisible by patch_size^5 = 32",
                refusal("SwinUNETR", args("img_size", List.of(96, 96, 80), "in_channels", 1, "out_channels", 2)));
        refusals.put(
                "feature size must be a multiple of 12 (as MONAI requires), was 16",
                refusal("SwinUNETR", args("img_size", 64, "in_channels", 1, "out_channels", 2, "feature_size", 16)));
        refusals.put(
                "SegResNet arguments not supported by MedLabel's builder: vae_estimate_std",
                refusal("SegResNet", args("init_filters", 8, "vae_estimate_std", false)));
        refusals.put(
                "SegResNet argument upsample_mode: 'pixelshuffle' is not supported (nontrainable, deconv)",
                refusal("SegResNet", args("upsample_mode", "pixelshuffle")));
        refusals.put(
                "DynUNet argument act_name: only leaky_relu(0.01) is supported, was relu",
                refusal(
                        "DynUnet",
                        args(
                                "spatial_dims",
                                3,
                                "in_channels",
                                1,
                                "out_channels",
                                2,
                                "kernel_size",
                                List.of(3, 3, 3),
                                "strides",
                                List.of(1, 2, 2),
                                "upsample_kernel_size",
                                List.of(2, 2),
                                "act_name",
                                "relu")));
        refusals.put(
                "UNet argument norm: norm 'layer' is not supported (batch, instance, group)",
                refusal(
                        "UNet",
                        args(
                                "spatial_dims",
                                3,
                                "in_channels",
                                1,
                                "out_channels",
                                2,
                                "channels",
                                List.of(4, 8),
                                "strides",
                                List.of(2),
                                "norm",
                                "layer")));
        refusals.put(
                "UNet argument channels: is required",
                refusal("UNet", args("spatial_dims", 3, "in_channels", 1, "out_channels", 2)));
        refusals.forEach((expected, actual) -> assertEquals(expected, actual));
    }

    private static String refusal(String target, Map<String, Object> arguments) {
        return assertThrows(IllegalArgumentException.class, () -> MonaiNetworks.build(target, arguments, 0))
                .getMessage();
    }

    @Test
    void weightsThatDoNotFitAreRefusedWithEveryKeyNamed() throws Exception {
        Case spleen = (Case) networks().findFirst().orElseThrow().get()[0];
        save(spleen, 3);
        StateDict weights = TorchCheckpoint.read(dir.resolve("model.pt"));
        assertEquals("checkpoint, the state dict under \"model\"", weights.source());

        WeightMismatchException shapes = assertThrows(
                WeightMismatchException.class,
                () -> StateDictLoader.load(
                        new UNetBuilder().norm(Norm.BATCH).outChannels(3).build(), weights));
        assertEquals(List.of(), shapes.missing());
        assertTrue(
                shapes.wrongShape()
                        .contains("model.2.1.conv.unit0.conv.weight: file [2, 2, 3, 3, 3], network [3, 3, 3, 3, 3]"),
                shapes.wrongShape().toString());

        WeightMismatchException keys = assertThrows(
                WeightMismatchException.class,
                () -> StateDictLoader.load(
                        new UNetBuilder().norm(Norm.BATCH).residualUnits(1).build(), weights));
        assertTrue(
                keys.unexpected().contains("model.0.conv.unit1.conv.weight"),
                keys.unexpected().toString());
        assertTrue(keys.getMessage().startsWith("the weights do not fit UNet("), keys.getMessage());

        WeightMismatchException norm = assertThrows(
                WeightMismatchException.class, () -> StateDictLoader.load(new UNetBuilder().build(), weights));
        assertTrue(
                norm.unexpected().contains("model.0.conv.unit0.adn.N.running_mean"),
                norm.unexpected().toString());
    }

    /**
     * How the case's TorchScript is made: MONAI's DynUNet with deep supervision cannot be scripted (MONAI's own
     * limitation), SwinUNETR is traced as the zoo exports it, the others are scripted.
     */
    private static Object torchscript(Case c) {
        if (c.network().equals("SwinUNETR")) {
            return "trace";
        }
        return !Boolean.TRUE.equals(c.args().get("deep_supervision"));
    }

    private void save(Case c, int seed) throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("torchscript", torchscript(c));
        config.put("network", c.network());
        config.put("args", c.args());
        config.put("inputShape", c.input());
        config.put("seed", seed);
        Path file = dir.resolve("checkpoint.json");
        new ObjectMapper().writeValue(file.toFile(), config);
        PythonOracle.run("monai_checkpoint.py", file, dir);
    }

    private static int[] k(int... sizes) {
        return sizes;
    }

    private static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
