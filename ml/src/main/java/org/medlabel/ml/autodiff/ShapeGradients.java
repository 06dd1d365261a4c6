package org.medlabel.ml.autodiff;

import static org.medlabel.ml.autodiff.ElementwiseGradients.dy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/** Rules of operators that move values without computing: the gradient moves back the same way. */
final class ShapeGradients {

    private ShapeGradients() {}

    static void register(Map<String, GradientRule> rules) {
        GradientRule reshapeBack = (n, b) -> b.add(n.getInput(0), b.reshape(dy(n, b), b.shape(n.getInput(0))));
        for (String op : List.of("Reshape", "Flatten", "Squeeze", "Unsqueeze")) {
            rules.put(op, reshapeBack);
        }
        rules.put("Transpose", (n, b) -> {
            int rank = b.rank(n.getInput(0));
            long[] perm = Attributes.ints(n, "perm", null);
            long[] inverse = new long[rank];
            for (int i = 0; i < rank; i++) {
                inverse[perm == null ? rank - 1 - i : (int) perm[i]] = i;
            }
            b.add(n.getInput(0), b.transpose(dy(n, b), inverse));
        });
        rules.put("Expand", (n, b) -> b.add(n.getInput(0), b.unbroadcast(dy(n, b), n.getInput(0))));
        rules.put("Sum", (n, b) -> {
            String dy = dy(n, b);
            n.getInputList().forEach(x -> b.add(x, b.unbroadcast(dy, x)));
        });
        rules.put("Concat", ShapeGradients::concat);
        rules.put("Split", ShapeGradients::split);
        rules.put("Slice", ShapeGradients::slice);
        rules.put("Gather", ShapeGradients::gather);
    }

    private static int axis(NodeProto n, Backward b, long fallback) {
        long axis = Attributes.integer(n, "axis", fallback);
        return (int) (axis < 0 ? axis + b.rank(n.getOutput(0)) : axis);
    }

    /** Concat's gradient is its output gradient split back into the inputs' extents. */
    private static void concat(NodeProto n, Backward b) {
        int axis = axis(n, b, 0);
        long[] sizes =
                n.getInputList().stream().mapToLong(x -> b.shape(x)[axis]).toArray();
        List<String> parts = b.graph()
                .node("Split", List.of(dy(n, b), b.ints(sizes)), sizes.length, Attributes.integer("axis", axis));
        for (int i = 0; i < sizes.length; i++) {
            b.record(parts.get(i), b.shape(n.getInput(i)));
            b.add(n.getInput(i), parts.get(i));
        }
    }

    /** Split's gradient concatenates the outputs' gradients, zeros standing in for outputs the loss ignores. */
    private static void split(NodeProto n, Backward b) {
        int axis = axis(n, b, 0);
        List<String> parts = new ArrayList<>();
        for (String out : n.getOutputList()) {
            String g = b.gradient(out);
            parts.add(g != null ? g : b.node(b.shape(out), "Expand", List.of(b.scalar(0f), b.ints(b.shape(out)))));
        }
        b.add(n.getInput(0), b.like(n.getInput(0), "Concat", parts, Attributes.integer("axis", axis)));
    }

    /**
     * Slice's gradient is its output gradient padded with zeros back to the input's extent (reversed first for a step
     * of -1). Other steps would need a scatter; no network here uses them.
     */
    private static void slice(NodeProto n, Backward b) {
        String x = n.getInput(0);
        long[] shape = b.shape(x);
        int rank = shape.length;
        long[] starts = b.constantInts(n.getInput(1), "Slice starts");
        long[] ends = b.constantInts(n.getInput(2), "Slice ends");
        long[] axes = n.getInputCount() > 3 && !n.getInput(3).isEmpty()
                ? b.constantInts(n.getInput(3), "Slice axes")
                : LongStream.range(0, starts.length).toArray();
        long[] steps =
                n.getInputCount() > 4 && !n.getInput(4).isEmpty() ? b.constantInts(n.getInput(4), "Slice steps") : null;
        long[] pads = new long[2 * rank];
        List<Long> reversed = new ArrayList<>();
        for (int i = 0; i < axes.length; i++) {
            int a = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
            long step = steps == null ? 1 : steps[i];
            long dim = shape[a];
            long outLength = b.shape(n.getOutput(0))[a];
            if (step == 1) {
                long start = clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
                pads[a] = start;
                pads[rank + a] = dim - start - outLength;
            } else if (step == -1) {
                long start = clamp(starts[i] < 0 ? starts[i] + dim : starts[i], -1, dim - 1);
                pads[a] = start - outLength + 1;
                pads[rank + a] = dim - 1 - start;
                reversed.add((long) a);
            } else {
                throw new UnsupportedOperatorException(
                        "Slice '" + n.getName() + "' with step " + step + " has no gradient rule (steps 1 and -1 do)");
            }
        }
        String dy = dy(n, b);
        if (!reversed.isEmpty()) {
            long[] ra = reversed.stream().mapToLong(Long::longValue).toArray();
            dy = b.reverse(dy, ra);
        }
        b.add(x, b.node(shape, "Pad", List.of(dy, b.ints(pads))));
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * Gather's gradient along axis 0 (rows read from a table, such as a relative position bias) scatters the output
     * gradient back into the table's rows, adding where an index repeats. Only the data's gradient: indices are ints.
     */
    private static void gather(NodeProto n, Backward b) {
        long[] shape = b.shape(n.getInput(0));
        long axis = Attributes.integer(n, "axis", 0);
        if (axis != 0 && axis != -shape.length) {
            throw new UnsupportedOperatorException("Gather's gradient is only taken along axis 0, not " + axis);
        }
        String dy = dy(n, b);
        long count = b.shape(n.getInput(1)).length == 0
                ? 1
                : LongStream.of(b.shape(n.getInput(1))).reduce(1, (p, q) -> p * q);
        long row = LongStream.of(shape).skip(1).reduce(1, (p, q) -> p * q);
        // one index per gradient element: the row index broadcast over each row's values
        long[] flatRows = {count, row};
        String indices = b.graph()
                .node(
                        "Expand",
                        List.of(b.graph().node("Reshape", List.of(n.getInput(1), b.ints(count, 1))), b.ints(flatRows)));
        String zeros = b.node(new long[] {shape[0], row}, "Expand", List.of(b.scalar(0f), b.ints(shape[0], row)));
        String scattered = b.node(
                new long[] {shape[0], row},
                "ScatterElements",
                List.of(zeros, indices, b.reshape(dy, flatRows)),
                Attributes.integer("axis", 0),
                Attributes.string("reduction", "add"));
        b.add(n.getInput(0), b.reshape(scattered, shape));
    }
}
