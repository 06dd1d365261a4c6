package org.medlabel.ml.autodiff;

import static org.medlabel.ml.autodiff.ElementwiseGradients.dy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/** Rules of reductions, (log-)softmax, matrix products, max pooling and resizing. */
final class ReductionGradients {

    private ReductionGradients() {}

    static void register(Map<String, GradientRule> rules) {
        rules.put("ReduceSum", (n, b) -> reduce(n, b, false));
        rules.put("ReduceMean", (n, b) -> reduce(n, b, true));
        rules.put("Softmax", (n, b) -> {
            // dx = y·(dy − Σ dy·y)
            String y = n.getOutput(0);
            String dy = dy(n, b);
            String dot = b.sum(b.mul(dy, y), new long[] {axis(n, b)}, true);
            b.add(n.getInput(0), b.mul(y, b.binary("Sub", dy, dot)));
        });
        rules.put("LogSoftmax", (n, b) -> {
            // dx = dy − softmax(x)·Σ dy
            String y = n.getOutput(0);
            String dy = dy(n, b);
            String total = b.sum(dy, new long[] {axis(n, b)}, true);
            String softmax = b.like(y, "Exp", List.of(y));
            b.add(n.getInput(0), b.binary("Sub", dy, b.mul(softmax, total)));
        });
        rules.put("MatMul", ReductionGradients::matMul);
        rules.put("Gemm", ReductionGradients::gemm);
        rules.put("MaxPool", ReductionGradients::maxPool);
        rules.put("Resize", ResizeGradient::backward);
    }

    private static long axis(NodeProto n, Backward b) {
        long axis = Attributes.integer(n, "axis", -1);
        return axis < 0 ? axis + b.rank(n.getInput(0)) : axis;
    }

    /** The gradient of a sum or mean is the output gradient spread back over the reduced axes. */
    private static void reduce(NodeProto n, Backward b, boolean mean) {
        String x = n.getInput(0);
        long[] in = b.shape(x);
        long[] axes = n.getInputCount() > 1 && !n.getInput(1).isEmpty()
                ? b.constantInts(n.getInput(1), n.getOpType() + " axes")
                : Attributes.ints(n, "axes", null);
        boolean all = axes == null || axes.length == 0;
        if (all && Attributes.integer(n, "noop_with_empty_axes", 0) == 1) {
            b.add(x, dy(n, b));
            return;
        }
        long[] kept = in.clone();
        long count = 1;
        for (int i = 0; i < in.length; i++) {
            final int axis = i;
            if (all || Arrays.stream(axes).anyMatch(a -> a == axis || a + in.length == axis)) {
                kept[i] = 1;
                count *= in[i];
            }
        }
        String g = dy(n, b);
        if (mean) {
            g = b.mul(g, b.scalar(1f / count));
        }
        if (!Arrays.equals(b.shape(g), kept)) {
            g = b.reshape(g, kept);
        }
        b.add(x, b.node(in, "Expand", List.of(g, b.ints(in))));
    }

    /** y = a·b over the last two axes, batch axes broadcast: da = dy·bᵀ, db = aᵀ·dy, each summed back to shape. */
    private static void matMul(NodeProto n, Backward b) {
        String a = n.getInput(0);
        String w = n.getInput(1);
        if (b.rank(a) < 2 || b.rank(w) < 2) {
            throw new UnsupportedOperatorException(
                    "MatMul '" + n.getName() + "' of a 1-D operand has no gradient rule");
        }
        String dy = dy(n, b);
        if (b.needs(a)) {
            b.add(a, b.unbroadcast(b.binary("MatMul", dy, swapLast(b, w)), a));
        }
        if (b.needs(w)) {
            long[] as = b.shape(a);
            long[] ws = b.shape(w);
            if (ws.length == 2) {
                // a weight shared by every batch row: one product over all rows, no batched result to sum
                long rows = Arrays.stream(as).reduce(1, (x, y) -> x * y) / as[as.length - 1];
                String a2 = b.reshape(a, new long[] {rows, as[as.length - 1]});
                String dy2 = b.reshape(dy, new long[] {rows, ws[1]});
                b.add(w, b.node(ws, "MatMul", List.of(b.transpose(a2, 1, 0), dy2)));
            } else {
                b.add(w, b.unbroadcast(b.binary("MatMul", swapLast(b, a), dy), w));
            }
        }
    }

    private static String swapLast(Backward b, String x) {
        int rank = b.rank(x);
        long[] perm = LongStream.range(0, rank).toArray();
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return b.transpose(x, perm);
    }

    /** y = α·A'·B' + β·C with A' = A or Aᵀ, B' = B or Bᵀ. */
    private static void gemm(NodeProto n, Backward b) {
        boolean transA = Attributes.integer(n, "transA", 0) == 1;
        boolean transB = Attributes.integer(n, "transB", 0) == 1;
        float alpha = Attributes.real(n, "alpha", 1f);
        float beta = Attributes.real(n, "beta", 1f);
        String a = n.getInput(0);
        String w = n.getInput(1);
        String dy = b.mul(dy(n, b), b.scalar(alpha));
        // dA' = dy·B'ᵀ and dB' = A'ᵀ·dy, transposed back where A or B entered transposed
        if (b.needs(a)) {
            b.add(
                    a,
                    transA
                            ? b.binary("MatMul", t(b, w, transB), t(b, dy, true))
                            : b.binary("MatMul", dy, t(b, w, !transB)));
        }
        if (b.needs(w)) {
            b.add(
                    w,
                    transB
                            ? b.binary("MatMul", t(b, dy, true), t(b, a, transA))
                            : b.binary("MatMul", t(b, a, !transA), dy));
        }
        if (n.getInputCount() > 2 && b.needs(n.getInput(2))) {
            String c = n.getInput(2);
            b.add(c, b.unbroadcast(b.mul(dy(n, b), b.scalar(beta)), c));
        }
    }

    private static String t(Backward b, String matrix, boolean transpose) {
        return transpose ? b.transpose(matrix, 1, 0) : matrix;
    }

    /**
     * MaxPool in its training form also outputs each maximum's flat index into the input (see TrainingForm); the
     * gradient scatters the output gradient to those positions, adding where windows overlap.
     */
    private static void maxPool(NodeProto n, Backward b) {
        if (n.getOutputCount() < 2 || n.getOutput(1).isEmpty()) {
            throw new UnsupportedOperatorException(
                    "MaxPool '" + n.getName() + "' without its Indices output cannot be differentiated");
        }
        String x = n.getInput(0);
        long[] in = b.shape(x);
        long total = Arrays.stream(in).reduce(1, (p, q) -> p * q);
        long count = Arrays.stream(b.shape(n.getOutput(0))).reduce(1, (p, q) -> p * q);
        String zeros = b.node(new long[] {total}, "Expand", List.of(b.scalar(0f), b.ints(total)));
        String indices = b.graph().node("Reshape", List.of(n.getOutput(1), b.ints(count)));
        String values = b.reshape(dy(n, b), new long[] {count});
        String scattered = b.node(
                new long[] {total},
                "ScatterElements",
                List.of(zeros, indices, values),
                Attributes.string("reduction", "add"));
        b.add(x, b.reshape(scattered, in));
    }
}
