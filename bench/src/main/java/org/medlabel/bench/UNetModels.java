package org.medlabel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.MonaiNetworks;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.ExecutionProvider;

/** The benchmarked networks; {@code main DIR} writes them for the PyTorch side (same weights). */
public final class UNetModels {

    private UNetModels() {}

    /** MONAI's spleen UNet: (16, 32, 64, 128, 256), strides 2, 2 residual units, instance norm, PReLU; seed 0. */
    public static ModelProto spleen() {
        return new UNetBuilder().seed(0).build();
    }

    /** MONAI Label's segmentation_spleen UNet: as {@link #spleen()} with batch norm (evaluation mode); seed 0. */
    public static ModelProto spleenBatchNorm() {
        return new UNetBuilder().norm(Norm.BATCH).seed(0).build();
    }

    /** MONAI Label's deepgrow_3d BasicUNet: as {@link #deepGrow2d()} in 3-D. */
    public static ModelProto deepGrow3d() {
        return deepGrow(3);
    }

    /** The small UNet of the training benchmark: (8, 16, 32, 64), strides 2, otherwise as {@link #spleen()}; seed 0. */
    public static ModelProto small() {
        return new UNetBuilder()
                .channels(8, 16, 32, 64)
                .strides(2, 2, 2)
                .seed(0)
                .build();
    }

    /** MONAI Label's deepgrow_2d BasicUNet: 2-D, features (32, 64, 128, 256, 512, 32), 3 channels in, 1 out; seed 0. */
    public static ModelProto deepGrow2d() {
        return deepGrow(2);
    }

    private static ModelProto deepGrow(int spatialDims) {
        return new BasicUNetBuilder()
                .spatialDims(spatialDims)
                .inChannels(3)
                .outChannels(1)
                .features(32, 64, 128, 256, 512, 32)
                .seed(0)
                .build();
    }

    /** The model zoo's whole-body CT network: SegResNet(init 32, blocks (1,2,2,4)/(1,1,1), 105 out, group norm 8). */
    public static ModelProto wholeBody() {
        return MonaiNetworks.build(
                "SegResNet",
                Map.of(
                        "spatial_dims", 3,
                        "in_channels", 1,
                        "out_channels", 105,
                        "init_filters", 32,
                        "blocks_down", List.of(1, 2, 2, 4),
                        "blocks_up", List.of(1, 1, 1),
                        "dropout_prob", 0.2),
                0);
    }

    /** The model zoo's BTCV network: SwinUNETR(feature size 48, 14 out), built for its 96³ roi. */
    public static ModelProto btcv(int patch) {
        return MonaiNetworks.build(
                "SwinUNETR", Map.of("img_size", patch, "in_channels", 1, "out_channels", 14, "feature_size", 48), 0);
    }

    /** The model zoo's paediatric abdominal CT network: {@link #dynUNet} with 1 channel in, 4 out. */
    public static ModelProto paediatric() {
        return dynUNet(1, 4);
    }

    /**
     * MONAI Label's deepedit network (its radiology app's default, {@code --conf network dynunet}): {@link #dynUNet}
     * with 9 channels in (the image and a guidance map per label) and 8 out.
     */
    public static ModelProto deepEdit() {
        return dynUNet(9, 8);
    }

    /** DynUNet(6 levels, a [2, 2, 1] level, residual blocks, instance norm); seed 0. */
    private static ModelProto dynUNet(int in, int out) {
        return MonaiNetworks.build(
                "DynUNet",
                Map.of(
                        "spatial_dims",
                        3,
                        "in_channels",
                        in,
                        "out_channels",
                        out,
                        "kernel_size",
                        List.of(3, 3, 3, 3, 3, 3),
                        "strides",
                        List.of(1, 2, 2, 2, 2, List.of(2, 2, 1)),
                        "upsample_kernel_size",
                        List.of(2, 2, 2, 2, List.of(2, 2, 1)),
                        "norm_name",
                        "instance",
                        "deep_supervision",
                        false,
                        "res_block",
                        true),
                0);
    }

    /**
     * {@code small}, {@code spleen}, {@code spleen4} (MONAI Label's segmentation_spleen), {@code deepgrow2d},
     * {@code deepgrow3d} or {@code deepedit}.
     */
    public static ModelProto byName(String net) {
        return switch (net) {
            case "small" -> small();
            case "spleen" -> spleen();
            case "spleen4" -> spleenBatchNorm();
            case "deepgrow2d" -> deepGrow2d();
            case "deepgrow3d" -> deepGrow3d();
            case "deepedit" -> deepEdit();
            default ->
                throw new IllegalArgumentException(
                        "unknown net '" + net + "' (small, spleen, spleen4, deepgrow2d, deepgrow3d or deepedit)");
        };
    }

    /**
     * The training input's shape for a patch edge: batch 1 of a cubic patch, one channel; for {@code spleen4} MONAI
     * Label's batch of 4 crops (RandCropByPosNegLabeld's num_samples); for {@code deepgrow2d} MONAI Label's
     * deepgrow_2d batch of 16 square slices of 3 channels (image and the two guidance maps); for {@code deepgrow3d}
     * one volume of 3 channels, 2/3 of the patch deep (PATCH 192: MONAI Label's deepgrow_3d model size 128x192x192);
     * for {@code deepedit} one volume of 9 channels (PATCH 128: MONAI Label's whole resized image).
     */
    public static long[] inputShape(String net, int patch) {
        return switch (net) {
            case "deepgrow2d" -> new long[] {16, 3, patch, patch};
            case "spleen4" -> new long[] {4, 1, patch, patch, patch};
            case "deepgrow3d" -> new long[] {1, 3, patch * 2 / 3, patch, patch};
            case "deepedit" -> new long[] {1, 9, patch, patch, patch};
            default -> new long[] {1, 1, patch, patch, patch};
        };
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        ModelProto spleen = spleen();
        OnnxModelIo.write(spleen, dir.resolve("spleen-unet.onnx"));
        GraphOptimizer.Result fast = GraphOptimizer.optimize(spleen);
        OnnxModelIo.write(fast.model(), dir.resolve("spleen-unet-optimised.onnx"));
        // with and without 3-D convolutions over depth slices (the CUDA form), for the per-operator profiles
        // (spleen: MONAI Label's 160³ windows; DeepGrow 3D: a 64³ crop, as its 128x192x192 passes the memory bound)
        for (var net : Map.of("spleen-bn", spleenBatchNorm(), "deepgrow3d", deepGrow3d())
                .entrySet()) {
            long voxels = net.getKey().equals("spleen-bn") ? 160 * 160 * 160 : 64 * 64 * 64;
            OnnxModelIo.write(
                    GraphOptimizer.optimize(net.getValue(), ExecutionProvider.CPU, OptionalLong.of(voxels))
                            .model(),
                    dir.resolve(net.getKey() + "-unet-optimised.onnx"));
            OnnxModelIo.write(
                    GraphOptimizer.optimize(net.getValue()).model(), dir.resolve(net.getKey() + "-unet-3d.onnx"));
        }
        OnnxModelIo.write(small(), dir.resolve("small-unet.onnx"));
        OnnxModelIo.write(spleenBatchNorm(), dir.resolve("spleen4-unet.onnx"));
        OnnxModelIo.write(deepGrow2d(), dir.resolve("deepgrow2d-unet.onnx"));
        OnnxModelIo.write(deepGrow3d(), dir.resolve("deepgrow3d-unet.onnx"));
        OnnxModelIo.write(deepEdit(), dir.resolve("deepedit-unet.onnx"));
        System.out.println("wrote " + dir + "/spleen-unet.onnx, spleen-unet-optimised.onnx " + fast.applied()
                + ", small-unet.onnx, spleen4-unet.onnx, deepgrow2d-unet.onnx, deepgrow3d-unet.onnx and"
                + " deepedit-unet.onnx");
    }
}
