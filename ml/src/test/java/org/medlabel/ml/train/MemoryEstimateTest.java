package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.autodiff.ValueShapes;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.rewrite.GraphOptimizer;

/**
 * {@link TrainingGraph#estimatePeakBytes}: the forward values it measures at a quarter of each spatial size and scales
 * by the voxels are those of a run at the full size (a convolutional network's values grow with the voxels), so the
 * estimate is the calibrated factor (with ONNX Runtime's arena, or without it) times what the full-size run computes,
 * plus the weights and Adam's state.
 */
class MemoryEstimateTest {

    private static final ModelProto UNET =
            new UNetBuilder().channels(4, 8, 16).strides(2, 2).residualUnits(1).build();

    @Test
    void valuesMeasuredAtAQuarterAndScaledAreThoseOfTheFullSize() throws Exception {
        long[] full = {2, 1, 64, 128, 64}; // multiples of 64: measured at 16x32x16
        assertEquals(
                expected(full, TrainingGraph.PEAK_PER_FORWARD_BYTE),
                TrainingGraph.estimatePeakBytes(UNET, full, true),
                0.01 * expected(full, TrainingGraph.PEAK_PER_FORWARD_BYTE));
    }

    @Test
    void aShapeThatCannotShrinkIsMeasuredWhole() throws Exception {
        long[] full = {1, 1, 48, 40, 48}; // 40 is no multiple of 32: measured as it is
        assertEquals(
                expected(full, TrainingGraph.PEAK_PER_FORWARD_BYTE_WITHOUT_ARENA),
                TrainingGraph.estimatePeakBytes(UNET, full, false),
                1.0);
    }

    @Test
    void aNetworkThatCannotTakeAQuarterIsMeasuredAtAHalf() throws Exception {
        ModelProto deep = new UNetBuilder()
                .channels(2, 2, 2, 2, 2, 2)
                .strides(2, 2, 2, 2, 2)
                .residualUnits(0)
                .build();
        long[] full = {1, 1, 64, 64, 64}; // a quarter, 16³, halves to 1 before the fifth stride (as DeepEdit's DynUNet)
        assertEquals(
                expected(deep, full, TrainingGraph.PEAK_PER_FORWARD_BYTE),
                TrainingGraph.estimatePeakBytes(deep, full, true),
                0.01 * expected(deep, full, TrainingGraph.PEAK_PER_FORWARD_BYTE));
    }

    private static double expected(long[] shape, double factor) throws Exception {
        return expected(UNET, shape, factor);
    }

    /** {@code factor} times the values of a run of {@code model} at the full size, plus 4 floats per weight. */
    private static double expected(ModelProto model, long[] shape, double factor) throws Exception {
        ModelProto folded = GraphOptimizer.fold(model);
        String input = folded.getGraph().getInput(0).getName();
        long values = ValueShapes.measure(folded, Map.of(input, shape)).computedBytes();
        long weights = 0;
        for (TensorProto t : folded.getGraph().getInitializerList()) {
            weights += Tensors.elementCount(t);
        }
        return factor * values + 4.0 * Float.BYTES * weights;
    }
}
