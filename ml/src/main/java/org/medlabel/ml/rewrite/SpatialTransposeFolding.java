package org.medlabel.ml.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Folds the spatial-axis Transposes that {@link SpatialAxes} wraps a network in into the network's weights: a
 * convolution over permuted axes is the same convolution, kernel and per-axis attributes permuted alike, over the
 * unpermuted ones. On MONAI's spleen UNet at 160³ the two Transposes cost 57 of 460 ms a window; after folding they
 * are gone and every operator computes the same sums (only a kernel's summation order may differ: float rounding).
 *
 * <p>Applies when every value between the entry Transpose (of a graph input) and the inverse Transposes (the exits)
 * is computed by an operator that commutes with a permutation of the spatial axes: convolutions and pooling with
 * constant weights, normalisations, element-wise operators whose other inputs are permuted too or constant along every
 * spatial axis, concatenation and softmax over non-spatial axes, constant padding. Otherwise (UNETR's tokens, say) the
 * graph is left as it is.
 */
final class SpatialTransposeFolding {

    private static final Set<String> NORMS = Set.of("InstanceNormalization", "BatchNormalization");
    private static final Set<String> WINDOWED = Set.of("Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool");
    private static final List<String> PER_AXIS = List.of("kernel_shape", "strides", "dilations", "output_padding");

    private SpatialTransposeFolding() {}

    /** Folds the first foldable wrapper; returns how many Transposes were removed (0 when none applies). */
    static int fold(GraphBuilder g) {
        Set<String> graphInputs = new HashSet<>();
        g.inputs().forEach(v -> graphInputs.add(v.getName()));
        for (NodeProto entry : g.nodes()) {
            int[] perm = spatialPerm(entry);
            if (perm != null && graphInputs.contains(entry.getInput(0))) {
                int removed = fold(g, entry, perm);
                if (removed > 0) {
                    return removed;
                }
            }
        }
        return 0;
    }

    private static int fold(GraphBuilder g, NodeProto entry, int[] perm) {
        int rank = perm.length;
        int[] inverse = SpatialAxes.inverse(perm);
        Set<String> outputs = new HashSet<>();
        g.outputs().forEach(v -> outputs.add(v.getName()));
        Map<String, Integer> readers = new HashMap<>();
        for (NodeProto n : g.nodes()) {
            n.getInputList().forEach(in -> readers.merge(in, 1, Integer::sum));
        }
        Set<String> permuted = new HashSet<>(Set.of(entry.getOutput(0)));
        List<NodeProto> inside = new ArrayList<>();
        List<NodeProto> exits = new ArrayList<>();
        for (NodeProto n : g.nodes()) {
            if (n == entry || n.getInputList().stream().noneMatch(permuted::contains)) {
                continue;
            }
            int[] p = spatialPerm(n);
            if (p != null && Arrays.equals(p, inverse)) {
                exits.add(n);
            } else if (commutes(n, g, permuted, rank)) {
                inside.add(n);
                permuted.add(n.getOutput(0));
                for (int o = 1; o < n.getOutputCount(); o++) {
                    if (!n.getOutput(o).isEmpty() && readers.containsKey(n.getOutput(o))) {
                        return 0; // a second output (Dropout's mask, say) would need its own rule
                    }
                }
            } else {
                return 0;
            }
        }
        if (exits.isEmpty() || permuted.stream().anyMatch(outputs::contains)) {
            return 0;
        }
        Map<String, String> rename = new HashMap<>(Map.of(entry.getOutput(0), entry.getInput(0)));
        Map<String, String> producedAs = new HashMap<>();
        for (NodeProto exit : exits) {
            String value = exit.getInput(0);
            if (readers.get(value) == 1 && !producedAs.containsKey(value)) {
                producedAs.put(value, exit.getOutput(0)); // the producer writes the exit's name directly
            } else {
                rename.put(exit.getOutput(0), value);
            }
        }
        Set<NodeProto> insideSet = new HashSet<>(inside);
        Set<NodeProto> removed = new HashSet<>(exits);
        removed.add(entry);
        for (NodeProto n : g.takeNodes()) {
            if (removed.contains(n)) {
                continue;
            }
            NodeProto.Builder b = (insideSet.contains(n) ? unpermuted(n, g, inverse) : n).toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                b.setInput(i, resolve(rename, b.getInput(i)));
            }
            for (int o = 0; o < b.getOutputCount(); o++) {
                b.setOutput(o, producedAs.getOrDefault(b.getOutput(o), b.getOutput(o)));
            }
            g.add(b.build());
        }
        g.dropValueInfo(permuted);
        g.pruneInitializers();
        return removed.size();
    }

    private static String resolve(Map<String, String> rename, String name) {
        String r = name;
        while (rename.containsKey(r)) {
            r = rename.get(r);
        }
        return r;
    }

    /** Whether {@code n}, reading some permuted values, computes the permuted version of its unpermuted result. */
    private static boolean commutes(NodeProto n, GraphBuilder g, Set<String> permuted, int rank) {
        String op = n.getOpType();
        if (ElementwiseOps.UNARY.contains(op)) {
            return n.getInputList().stream().skip(1).noneMatch(permuted::contains);
        }
        if (ElementwiseOps.BROADCAST.contains(op)) {
            return n.getInputList().stream()
                    .allMatch(in -> permuted.contains(in) || constantAlongSpace(g.initializer(in), rank));
        }
        if (NORMS.contains(op)) {
            return n.getInputList().stream().skip(1).noneMatch(permuted::contains);
        }
        if (op.equals("Concat")) {
            long axis = Attributes.integer(n, "axis", 0);
            return (axis < 0 ? axis + rank + 2 : axis) < 2;
        }
        if (op.equals("Softmax") || op.equals("LogSoftmax")) {
            return Attributes.integer(n, "axis", 1) == 1; // channels; before opset 13 all of [C, space]: either way
        }
        if (op.equals("Pad")) {
            return n.getInputCount() <= 3
                    && Attributes.ints(n, "pads", null) == null
                    && g.initializer(n.getInput(1)) != null
                    && n.getInputList().stream().skip(1).noneMatch(permuted::contains);
        }
        if (WINDOWED.contains(op)) {
            if (n.getInputList().stream().skip(1).anyMatch(permuted::contains)) {
                return false;
            }
            if (op.startsWith("Conv")) {
                TensorProto w = g.initializer(n.getInput(1));
                return w != null && w.getDataType() == TensorProto.DataType.FLOAT_VALUE && w.getDimsCount() == rank + 2;
            }
            return true;
        }
        return false;
    }

    /** A constant whose dimensions that broadcast onto the spatial axes are all 1 (a per-channel scale, a scalar). */
    private static boolean constantAlongSpace(TensorProto t, int rank) {
        if (t == null) {
            return false;
        }
        long[] dims = Tensors.dims(t);
        for (int d = Math.max(0, dims.length - rank); d < dims.length; d++) {
            if (dims[d] != 1) {
                return false;
            }
        }
        return true;
    }

    /** {@code n} with kernels, per-axis attributes and pads taken back to the unpermuted axes. */
    private static NodeProto unpermuted(NodeProto n, GraphBuilder g, int[] inverse) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        for (AttributeProto a : n.getAttributeList()) {
            if (PER_AXIS.contains(a.getName()) || a.getName().equals("output_shape")) {
                b.addAttribute(Attributes.ints(a.getName(), byAxis(a.getIntsList(), inverse, 0)));
            } else if (a.getName().equals("pads") && WINDOWED.contains(n.getOpType())) {
                long[] pads = byAxis(a.getIntsList(), inverse, 0);
                long[] ends = byAxis(a.getIntsList(), inverse, inverse.length);
                long[] both = new long[2 * inverse.length];
                System.arraycopy(pads, 0, both, 0, inverse.length);
                System.arraycopy(ends, 0, both, inverse.length, inverse.length);
                b.addAttribute(Attributes.ints("pads", both));
            } else {
                b.addAttribute(a);
            }
        }
        if (n.getOpType().startsWith("Conv")) {
            TensorProto w = g.initializer(n.getInput(1));
            int[] full = SpatialAxes.fullPerm(inverse);
            b.setInput(1, g.initializer(Tensors.transposed(w, full, g.fresh(w.getName() + ".axes"))));
        } else if (n.getOpType().equals("Pad")) {
            long[] pads = Tensors.longValues(g.initializer(n.getInput(1)));
            int half = pads.length / 2;
            int[] full = SpatialAxes.fullPerm(inverse);
            long[] moved = new long[pads.length];
            for (int d = 0; d < half; d++) {
                moved[d] = pads[full[d]];
                moved[half + d] = pads[half + full[d]];
            }
            b.setInput(1, g.int64s(n.getInput(1) + ".axes", moved));
        }
        return b.build();
    }

    /** Values listed per spatial axis (from {@code offset}) taken to axis b from the permuted axis inverse[b]. */
    private static long[] byAxis(List<Long> values, int[] inverse, int offset) {
        long[] out = new long[inverse.length];
        for (int b = 0; b < inverse.length; b++) {
            out[b] = values.get(offset + inverse[b]);
        }
        return out;
    }

    /** The spatial permutation of a Transpose that keeps N and C in place and moves some spatial axis; else null. */
    private static int[] spatialPerm(NodeProto n) {
        if (!n.getOpType().equals("Transpose")) {
            return null;
        }
        long[] perm = Attributes.ints(n, "perm", null);
        if (perm == null || perm.length < 4 || perm[0] != 0 || perm[1] != 1) {
            return null;
        }
        int[] spatial = new int[perm.length - 2];
        boolean moves = false;
        for (int a = 0; a < spatial.length; a++) {
            spatial[a] = (int) perm[2 + a] - 2;
            moves |= spatial[a] != a;
        }
        return moves ? spatial : null;
    }
}
