package org.medlabel.ml.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.count;
import static org.medlabel.ml.onnx.OrtRun.relativeError;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.ml.nn.Activation;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.TorchNetworks;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * A UNet exported by PyTorch (both of its exporters; MONAI's structure, ending in a channel softmax as exported
 * segmentation models often do) loads, is optimised into the fast form, and still gives PyTorch's outputs.
 */
class TorchExportTest {

    private static final double TORCH_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"legacy", "dynamo"})
    void exportedUNetOptimisesAndMatchesPyTorch(String exporter) throws Exception {
        int[] channels = {8, 16, 32};
        int[] strides = {2, 2};
        ModelProto built =
                new UNetBuilder().channels(channels).strides(strides).seed(1).build();
        long[] shape = {2, 1, 16, 16, 16};
        Map<String, Object> config =
                TorchNetworks.unet(1, 2, channels, strides, 2, Norm.INSTANCE, Activation.prelu(), shape);
        TorchNetworks.export(built, config, exporter, dir);
        ModelProto exported = OnnxModelIo.read(dir.resolve("model.onnx"));
        float[] x = TorchNetworks.readFloats(dir.resolve("input.bin"));
        float[] torch = TorchNetworks.readFloats(dir.resolve("output.bin"));
        assertEquals(2, count(exported, "ConvTranspose"));
        assertTrue(count(exported, "PRelu") > 0 && count(exported, "Softmax") == 1);

        GraphOptimizer.Result optimised = GraphOptimizer.optimize(exported);
        ModelProto fast = optimised.model();
        assertEquals(2, optimised.applied().get("ConvTranspose -> sub-pixel Conv"), optimised.applied()::toString);
        assertEquals(1, optimised.applied().get("(Log)Softmax(axis=1) -> reductions"));
        assertEquals(0, count(fast, "ConvTranspose") + count(fast, "PRelu") + count(fast, "Softmax"));
        assertEquals(0, count(fast, "Constant") + count(fast, "Identity"));

        OrtRun.Output asExported = OrtRun.run(exported, x, shape);
        OrtRun.Output ours = OrtRun.run(fast, x, shape);
        assertArrayEquals(new long[] {2, 2, 16, 16, 16}, ours.shape());
        double exportError = relativeError(asExported.values(), torch);
        double error = relativeError(ours.values(), torch);
        assertTrue(exportError < TORCH_TOLERANCE, "as exported vs PyTorch: " + exportError);
        assertTrue(error < TORCH_TOLERANCE, "optimised vs PyTorch: " + error + " after " + optimised.applied());
    }
}
