package org.medlabel.ml.autodiff;

import static org.medlabel.ml.autodiff.ElementwiseGradients.dy;

import java.util.List;
import java.util.stream.LongStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Resize (nearest or linear) is separable and linear in its input: along each resized axis, output = M·input for an
 * [out, in] interpolation matrix M. Its gradient applies Mᵀ along each such axis, as one MatMul per axis. M is
 * computed here from ONNX's definition of the coordinate transformation and the interpolation mode.
 */
final class ResizeGradient {

    private ResizeGradient() {}

    static void backward(NodeProto n, Backward b) {
        String mode = Attributes.string(n, "mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear")) {
            throw new UnsupportedOperatorException(
                    "Resize '" + n.getName() + "' in mode " + mode + " has no gradient rule (nearest and linear do)");
        }
        if (Attributes.integer(n, "antialias", 0) != 0 || Attributes.ints(n, "axes", null) != null) {
            throw new UnsupportedOperatorException(
                    "Resize '" + n.getName() + "' with antialias or axes has no gradient rule");
        }
        String x = n.getInput(0);
        long[] in = b.shape(x);
        long[] out = b.shape(n.getOutput(0));
        float[] scales = scales(n, b);
        String g = dy(n, b);
        for (int a = 0; a < in.length; a++) {
            double scale = scales != null ? scales[a] : (double) out[a] / in[a];
            float[] m = matrix(n, mode, (int) in[a], (int) out[a], scale);
            if (m != null) {
                g = alongAxis(b, g, a, m, in[a]);
            }
        }
        b.add(x, g);
    }

    private static float[] scales(NodeProto n, Backward b) {
        if (n.getInputCount() < 3 || n.getInput(2).isEmpty()) {
            return null;
        }
        TensorProto t = b.constant(n.getInput(2));
        if (t == null) {
            throw new UnsupportedOperatorException("Resize '" + n.getName() + "' needs constant scales");
        }
        float[] s = Tensors.floatValues(t);
        return s.length == 0 ? null : s;
    }

    /** Contracts axis {@code a} of {@code g} (length out) with M [out, in], giving length in. */
    private static String alongAxis(Backward b, String g, int a, float[] m, long in) {
        long[] shape = b.shape(g);
        int rank = shape.length;
        long out = shape[a];
        String matrix = b.graph().floats("resize.grad.matrix", new long[] {out, in}, m);
        b.record(matrix, new long[] {out, in});
        long[] perm = LongStream.range(0, rank).toArray();
        perm[a] = rank - 1;
        perm[rank - 1] = a;
        boolean last = a == rank - 1;
        String moved = last ? g : b.transpose(g, perm);
        long[] contracted = b.shape(moved).clone();
        contracted[rank - 1] = in;
        String product = b.node(contracted, "MatMul", List.of(moved, matrix));
        return last ? product : b.transpose(product, perm);
    }

    /** Row o of M holds the weights output o takes from each input; null when M is the identity. */
    static float[] matrix(NodeProto n, String mode, int in, int out, double scale) {
        String transform = Attributes.string(n, "coordinate_transformation_mode", "half_pixel");
        float[] m = new float[out * in];
        boolean identity = in == out;
        for (int o = 0; o < out; o++) {
            double source = source(n, transform, o, in, out, scale);
            if (mode.equals("nearest")) {
                int i = clamp(nearest(Attributes.string(n, "nearest_mode", "round_prefer_floor"), source), in);
                m[o * in + i] += 1;
                identity &= i == o;
            } else {
                int i0 = (int) Math.floor(source);
                double r = source - i0;
                m[o * in + clamp(i0, in)] += (float) (1 - r);
                m[o * in + clamp(i0 + 1, in)] += (float) r;
                identity &= i0 == o && r == 0;
            }
        }
        return identity ? null : m;
    }

    private static double source(NodeProto n, String transform, int o, int in, int out, double scale) {
        return switch (transform) {
            case "half_pixel" -> (o + 0.5) / scale - 0.5;
            case "pytorch_half_pixel" -> out > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> out == 1 ? 0 : o * (in - 1.0) / (out - 1.0);
            case "asymmetric" -> o / scale;
            default ->
                throw new UnsupportedOperatorException("Resize '" + n.getName()
                        + "' with coordinate_transformation_mode " + transform + " has no gradient rule");
        };
    }

    private static int nearest(String mode, double x) {
        return switch (mode) {
            case "round_prefer_floor" -> x == Math.floor(x) + 0.5 ? (int) Math.floor(x) : (int) Math.round(x);
            case "round_prefer_ceil" -> (int) Math.round(x);
            case "floor" -> (int) Math.floor(x);
            case "ceil" -> (int) Math.ceil(x);
            default -> throw new UnsupportedOperatorException("Resize nearest_mode " + mode + " is unknown");
        };
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n - 1, i));
    }
}
