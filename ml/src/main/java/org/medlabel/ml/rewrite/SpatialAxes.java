package org.medlabel.ml.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorShapeProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/**
 * Lets a network that reads its spatial axes in MONAI's order run on MedLabel's tensors. MedLabel hands a network a
 * volume as [N, C, z, y, x] (x fastest, as the voxels lie in memory; a 2-D slice as [N, C, y, x]); MONAI hands it the
 * array nibabel/ITK load, [N, C, i, j, k] = [N, C, x, y, z], or a transposition of it (DeepGrow: [N, C, k, i, j]). The
 * same weights on the other order compute something else, so the network is wrapped: a Transpose from our order into
 * its own before the first node and one back after each output. Which image axis each network axis reads is written
 * as MONAI's letters ({@code "ijk"}, {@code "kij"}, 2-D {@code "ij"}) and kept in the model's metadata
 * ({@value #KEY}): a model that has it is never wrapped twice, and {@code "kji"} (or 2-D {@code "ji"}), our own
 * order, needs no wrapper.
 */
public final class SpatialAxes {

    public static final String KEY = "medlabel.axes";

    private SpatialAxes() {}

    /** The axes a model was wrapped for, if any. */
    public static Optional<String> of(ModelProto model) {
        return model.getMetadataPropsList().stream()
                .filter(e -> e.getKey().equals(KEY))
                .map(StringStringEntryProto::getValue)
                .findFirst();
    }

    /**
     * {@code network} reading its spatial axes as {@code axes} says (one letter per spatial axis of its input, i, j,
     * k = the image's x, y, z), wrapped to take and give MedLabel's order; unchanged if it already records its axes
     * or its input is not of that rank.
     */
    public static ModelProto wrap(ModelProto network, String axes) {
        if (of(network).isPresent()) {
            return network;
        }
        int[] perm = permutation(axes);
        int rank = network.getGraph()
                .getInput(0)
                .getType()
                .getTensorType()
                .getShape()
                .getDimCount();
        if (rank != perm.length + 2) {
            return network; // not a network of these axes: loading it reports the rank that does not fit
        }
        ModelProto.Builder model = network.toBuilder()
                .addMetadataProps(
                        StringStringEntryProto.newBuilder().setKey(KEY).setValue(axes));
        boolean identity = true;
        for (int a = 0; a < perm.length; a++) {
            identity &= perm[a] == a;
        }
        if (identity) {
            return model.build();
        }
        GraphProto.Builder g = model.getGraphBuilder();
        ValueInfoProto input = g.getInput(0);
        String inner = input.getName() + ".network_axes";
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(transpose(input.getName(), inner, perm));
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                if (b.getInput(i).equals(input.getName())) {
                    b.setInput(i, inner);
                }
            }
            nodes.add(b.build());
        }
        int[] back = inverse(perm);
        for (int o = 0; o < g.getOutputCount(); o++) {
            ValueInfoProto output = g.getOutput(o);
            String produced = output.getName() + ".network_axes";
            for (int i = 0; i < nodes.size(); i++) {
                NodeProto.Builder b = nodes.get(i).toBuilder();
                boolean changed = false;
                for (int k = 0; k < b.getOutputCount(); k++) {
                    if (b.getOutput(k).equals(output.getName())) {
                        b.setOutput(k, produced);
                        changed = true;
                    }
                }
                for (int k = 0; k < b.getInputCount(); k++) {
                    if (b.getInput(k).equals(output.getName())) {
                        b.setInput(k, produced);
                        changed = true;
                    }
                }
                if (changed) {
                    nodes.set(i, b.build());
                }
            }
            nodes.add(transpose(produced, output.getName(), back));
            g.setOutput(o, permuted(output, back));
        }
        g.setInput(0, permuted(input, back));
        g.clearNode().addAllNode(nodes);
        return model.build();
    }

    /** Our order of the spatial axes read by each network axis: "ijk" -> {2, 1, 0} (our axes are z, y, x). */
    static int[] permutation(String axes) {
        String ours = axes.length() == 3 ? "kji" : "ji";
        if ((axes.length() != 2 && axes.length() != 3)
                || axes.chars().distinct().count() != axes.length()
                || !axes.chars().allMatch(c -> ours.indexOf(c) >= 0)) {
            throw new IllegalArgumentException(
                    "network axes must be a permutation of ijk (3-D) or ij (2-D), not '" + axes + "'");
        }
        int[] perm = new int[axes.length()];
        for (int a = 0; a < perm.length; a++) {
            perm[a] = ours.indexOf(axes.charAt(a));
        }
        return perm;
    }

    /** The permutation that undoes {@code perm}. */
    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int a = 0; a < perm.length; a++) {
            inv[perm[a]] = a;
        }
        return inv;
    }

    /** [0, 1, 2 + spatial...]: a permutation of the spatial axes over the whole [N, C, spatial...] tensor. */
    static int[] fullPerm(int[] spatial) {
        int[] full = new int[spatial.length + 2];
        full[1] = 1;
        for (int a = 0; a < spatial.length; a++) {
            full[2 + a] = 2 + spatial[a];
        }
        return full;
    }

    /** Transpose of [N, C, spatial...] taking spatial axis perm[a] to position a. */
    private static NodeProto transpose(String in, String out, int[] spatialPerm) {
        long[] full = Arrays.stream(fullPerm(spatialPerm)).asLongStream().toArray();
        return NodeProto.newBuilder()
                .setOpType("Transpose")
                .setName(out + ".transpose")
                .addInput(in)
                .addOutput(out)
                .addAttribute(Attributes.ints("perm", full))
                .build();
    }

    /** A value's declared shape with its spatial dimensions reordered as {@code spatialPerm} takes them. */
    private static ValueInfoProto permuted(ValueInfoProto v, int[] spatialPerm) {
        TensorShapeProto shape = v.getType().getTensorType().getShape();
        if (shape.getDimCount() != spatialPerm.length + 2) {
            return v;
        }
        TensorShapeProto.Builder s = shape.toBuilder();
        for (int a = 0; a < spatialPerm.length; a++) {
            s.setDim(2 + a, shape.getDim(2 + spatialPerm[a]));
        }
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().setShape(s);
        return b.build();
    }
}
