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

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        ModelProto spleen = spleen();
        OnnxModelIo.write(spleen, dir.resolve("spleen-unet.onnx"));
        GraphOptimizer.Result fast = GraphOptimizer.optimize(spleen);
        OnnxModelIo.write(fast.model(), dir.resolve("spleen-unet-optimised.onnx"));
        System.out.println("wrote " + dir + "/spleen-unet.onnx and spleen-unet-optimised.onnx " + fast.applied());
    }
}
