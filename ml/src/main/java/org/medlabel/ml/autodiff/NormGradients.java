package org.medlabel.ml.autodiff;

import static org.medlabel.ml.autodiff.ElementwiseGradients.dy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Instance, batch (with batch statistics) and layer normalisation share one gradient: with x̂ = (x − μ)·r,
 * r = 1/√(σ² + ε) over the statistics axes and g = dy·γ, {@code dx = r·(g − mean(g) − x̂·mean(g·x̂))},
 * {@code dγ = Σ dy·x̂}, {@code dβ = Σ dy} over the axes the parameters are shared across. μ and r are recomputed
 * from x (two reductions) instead of being kept from the forward pass.
 */
final class NormGradients {

    private NormGradients() {}

    static void register(Map<String, GradientRule> rules) {
        rules.put("InstanceNormalization", (n, b) -> {
            int rank = b.rank(n.getInput(0));
            normalization(n, b, Backward.axesExcept(rank, 0, 1), Backward.axesExcept(rank, 1), channelShape(b, n));
        });
        rules.put("BatchNormalization", (n, b) -> {
            if (Attributes.integer(n, "training_mode", 0) != 1) {
                throw new UnsupportedOperatorException("BatchNormalization '" + n.getName()
                        + "' uses running statistics; only its training form (training_mode=1) is differentiated");
            }
            long[] shared = Backward.axesExcept(b.rank(n.getInput(0)), 1);
            normalization(n, b, shared, shared, channelShape(b, n));
        });
        rules.put("LayerNormalization", (n, b) -> {
            int rank = b.rank(n.getInput(0));
            long axis = Attributes.integer(n, "axis", -1);
            int first = (int) (axis < 0 ? axis + rank : axis);
            long[] stats = LongStream.range(first, rank).toArray();
            long[] shared = LongStream.range(0, first).toArray();
            long[] paramShape = Arrays.copyOfRange(b.shape(n.getInput(0)), first, rank);
            normalization(n, b, stats, shared, paramShape);
        });
    }

    /** [C, 1, ..., 1]: a per-channel parameter broadcast over the spatial axes. */
    private static long[] channelShape(Backward b, NodeProto n) {
        long[] shape = new long[b.rank(n.getInput(0)) - 1];
        Arrays.fill(shape, 1);
        shape[0] = b.shape(n.getInput(0))[1];
        return shape;
    }

    private static void normalization(NodeProto n, Backward b, long[] stats, long[] shared, long[] paramShape) {
        String x = n.getInput(0);
        String scale = n.getInput(1);
        String bias = n.getInput(2);
        float epsilon = Attributes.real(n, "epsilon", 1e-5f);
        String dy = dy(n, b);
        String centred = b.binary("Sub", x, b.mean(x, stats));
        String variance = b.mean(b.mul(centred, centred), stats);
        String r = b.like(
                variance,
                "Reciprocal",
                List.of(b.like(variance, "Sqrt", List.of(b.binary("Add", variance, b.scalar(epsilon))))));
        String normalised = b.mul(centred, r);
        if (b.needs(x)) {
            String g = unitScale(b, scale) ? dy : b.mul(dy, b.reshape(scale, paramShape));
            String inner = b.binary(
                    "Sub",
                    b.binary("Sub", g, b.mean(g, stats)),
                    b.mul(normalised, b.mean(b.mul(g, normalised), stats)));
            b.add(x, b.mul(r, inner));
        }
        if (b.needs(scale)) {
            b.add(scale, b.reshape(b.sum(b.mul(dy, normalised), shared, false), b.shape(scale)));
        }
        if (b.needs(bias)) {
            b.add(bias, b.reshape(b.sum(dy, shared, false), b.shape(bias)));
        }
    }

    /** Whether γ is a constant of ones (a non-affine norm): then g = dy and a multiplication is saved. */
    private static boolean unitScale(Backward b, String scale) {
        TensorProto t = b.needs(scale) ? null : b.constant(scale);
        if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            return false;
        }
        for (float v : Tensors.floatValues(t)) {
            if (v != 1f) {
                return false;
            }
        }
        return true;
    }
}
