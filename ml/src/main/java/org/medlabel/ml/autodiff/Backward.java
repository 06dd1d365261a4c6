package org.medlabel.ml.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * What a {@link GradientRule} works with: the graph it emits into, the measured shapes, the gradients of the node's
 * outputs, and a place to add the gradients of its inputs. Contributions to one value from several consumers are
 * summed when the value's own producer asks for its gradient (reverse topological order guarantees all have arrived).
 */
final class Backward {

    private final GraphBuilder g;
    private final ValueShapes shapes;
    private final Set<String> needed;
    private final WeightGradient weightGradient;
    private final Map<String, List<String>> contributions = new HashMap<>();
    private final Map<String, String> scalars = new HashMap<>();

    Backward(GraphBuilder g, ValueShapes shapes, Set<String> needed, WeightGradient weightGradient) {
        this.g = g;
        this.shapes = shapes;
        this.needed = needed;
        this.weightGradient = weightGradient;
    }

    GraphBuilder graph() {
        return g;
    }

    WeightGradient weightGradient() {
        return weightGradient;
    }

    /** Whether the loss gradient of {@code value} is wanted (it lies between a parameter and the loss). */
    boolean needs(String value) {
        return !value.isEmpty() && needed.contains(value);
    }

    /** The summed loss gradient of {@code value}, or null when nothing downstream depends on it. */
    String gradient(String value) {
        List<String> parts = contributions.get(value);
        if (parts == null) {
            return null;
        }
        if (parts.size() > 1) {
            String sum = g.node("Sum", parts);
            shapes.put(sum, shapes.shape(value));
            parts.clear();
            parts.add(sum);
        }
        return parts.get(0);
    }

    /** Adds a contribution to the gradient of {@code value} (ignored when no gradient is needed there). */
    void add(String value, String gradient) {
        if (needs(value)) {
            contributions.computeIfAbsent(value, v -> new ArrayList<>()).add(gradient);
        }
    }

    long[] shape(String value) {
        return shapes.shape(value);
    }

    int rank(String value) {
        return shapes.shape(value).length;
    }

    /** The constant behind {@code value} (an initializer), or null. */
    TensorProto constant(String value) {
        return value.isEmpty() ? null : g.initializer(value);
    }

    /** The int64 values of a constant input (axes, shapes, slice bounds). */
    long[] constantInts(String value, String what) {
        TensorProto t = constant(value);
        if (t == null || t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            throw new UnsupportedOperatorException(what + " must be a constant int64 tensor to be differentiated");
        }
        return Tensors.longValues(t);
    }

    /** Records the shape of a value a rule emitted itself (outputs of multi-output nodes). */
    void record(String value, long[] shape) {
        shapes.put(value, shape);
    }

    /** Emits a node whose output has the given shape, and records that shape for later rules. */
    String node(long[] shape, String op, List<String> inputs, AttributeProto... attributes) {
        String out = g.node(op, inputs, attributes);
        shapes.put(out, shape);
        return out;
    }

    /** A node whose output has the shape of {@code like}. */
    String like(String like, String op, List<String> inputs, AttributeProto... attributes) {
        return node(shapes.shape(like), op, inputs, attributes);
    }

    String ints(long... values) {
        return g.int64s("grad.ints", values);
    }

    /** A shared float scalar constant. */
    String scalar(float value) {
        return scalars.computeIfAbsent(Float.toString(value), k -> {
            String name = g.floats("grad.scalar", new long[] {}, new float[] {value});
            shapes.put(name, new long[0]);
            return name;
        });
    }

    /** {@code x} with the given shape. */
    String reshape(String x, long[] shape) {
        if (Arrays.equals(shapes.shape(x), shape)) {
            return x;
        }
        return node(shape, "Reshape", List.of(x, ints(shape)));
    }

    String transpose(String x, long... perm) {
        long[] in = shapes.shape(x);
        long[] out = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            out[i] = in[(int) perm[i]];
        }
        return node(out, "Transpose", List.of(x), Attributes.ints("perm", perm));
    }

    /** {@code x} reversed along {@code axes} (a Slice with step -1). */
    String reverse(String x, long[] axes) {
        long[] minusOne = new long[axes.length];
        long[] lowest = new long[axes.length];
        Arrays.fill(minusOne, -1);
        Arrays.fill(lowest, Long.MIN_VALUE);
        return like(x, "Slice", List.of(x, ints(minusOne), ints(lowest), ints(axes), ints(minusOne)));
    }

    /** ReduceSum over {@code axes}, keeping them as size 1 when {@code keep}. */
    String sum(String x, long[] axes, boolean keep) {
        long[] in = shapes.shape(x);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            final int axis = i;
            boolean reduced = Arrays.stream(axes).anyMatch(a -> a == axis);
            if (!reduced) {
                out.add(in[i]);
            } else if (keep) {
                out.add(1L);
            }
        }
        return node(
                out.stream().mapToLong(Long::longValue).toArray(),
                "ReduceSum",
                List.of(x, ints(axes)),
                Attributes.integer("keepdims", keep ? 1 : 0));
    }

    String mean(String x, long[] axes) {
        long[] in = shapes.shape(x);
        long[] out = in.clone();
        for (long a : axes) {
            out[(int) a] = 1;
        }
        return node(out, "ReduceMean", List.of(x, ints(axes)), Attributes.integer("keepdims", 1));
    }

    /** An elementwise binary op; the output shape is the broadcast of both. */
    String binary(String op, String a, String b) {
        return node(broadcast(shapes.shape(a), shapes.shape(b)), op, List.of(a, b));
    }

    String mul(String a, String b) {
        return binary("Mul", a, b);
    }

    /**
     * The gradient {@code grad} of a broadcast result, summed back to {@code target}'s shape: over the leading axes
     * {@code target} lacks and over the axes where it has size 1.
     */
    String unbroadcast(String grad, String target) {
        long[] from = shapes.shape(grad);
        long[] to = shapes.shape(target);
        if (Arrays.equals(from, to)) {
            return grad;
        }
        int lead = from.length - to.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < from.length; i++) {
            if (i < lead || (to[i - lead] == 1 && from[i] != 1)) {
                axes.add((long) i);
            }
        }
        String reduced = axes.isEmpty()
                ? grad
                : sum(grad, axes.stream().mapToLong(Long::longValue).toArray(), true);
        return Arrays.equals(shapes.shape(reduced), to) ? reduced : reshape(reduced, to);
    }

    static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** 0..rank-1 except {@code skip}: the axes a per-channel quantity sums over, say. */
    static long[] axesExcept(int rank, int... skip) {
        return IntStream.range(0, rank)
                .filter(i -> Arrays.stream(skip).noneMatch(s -> s == i))
                .asLongStream()
                .toArray();
    }
}
