package org.medlabel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.GraphOptimizer;

/** The benchmarked networks; {@code main DIR} writes them for the PyTorch side (same weights). */
public final class UNetModels {

    private UNetModels() {}

    /** MONAI's spleen UNet: (16, 32, 64, 128, 256), strides 2, 2 residual units, instance norm, PReLU; seed 0. */
    public static ModelProto spleen() {
        return new UNetBuilder().seed(0).build();
    }

    /** The small UNet of the training benchmark: (8, 16, 32, 64), strides 2, otherwise as {@link #spleen()}; seed 0. */
    public static ModelProto small() {
        return new UNetBuilder()
                .channels(8, 16, 32, 64)
                .strides(2, 2, 2)
                .seed(0)
                .build();
    }

    /** {@code small} or {@code spleen}. */
    public static ModelProto byName(String net) {
        return switch (net) {
            case "small" -> small();
            case "spleen" -> spleen();
            default -> throw new IllegalArgumentException("unknown net '" + net + "' (small or spleen)");
        };
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        ModelProto spleen = spleen();
        OnnxModelIo.write(spleen, dir.resolve("spleen-unet.onnx"));
        GraphOptimizer.Result fast = GraphOptimizer.optimize(spleen);
        OnnxModelIo.write(fast.model(), dir.resolve("spleen-unet-optimised.onnx"));
        OnnxModelIo.write(small(), dir.resolve("small-unet.onnx"));
        System.out.println("wrote " + dir + "/spleen-unet.onnx, spleen-unet-optimised.onnx " + fast.applied()
                + " and small-unet.onnx");
    }
}
