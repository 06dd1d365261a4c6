package org.medlabel.ml.rewrite;

import java.util.ArrayList;
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
import org.medlabel.ml.onnx.proto.Onnx.TensorShapeProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/**
 * 3-D convolutions computed as 2-D convolutions over depth slices, exactly (ADR 0010). ONNX Runtime's CPU provider
 * runs 2-D convolutions with its blocked NCHWc kernels and 3-D ones through im2col + GEMM: on MONAI's networks the 2-D
 * form is 1.3-1.4x faster per layer, depth handling included ({@code bench/RESULTS.md}).
 *
 * <p>From the first 3-D convolution on, a volume [N, C, D, H, W] is carried as its slices [N·D, C, H, W] (a Transpose
 * in, or only a Reshape when C = 1), so that the reshapes between layers are free:
 *
 * <ul>
 *   <li>a k_d×k_h×k_w convolution with depth stride s and pads: the padded slices at depth offsets 0..k_d−1 (every
 *       s-th) are stacked on the channels and convolved by one 2-D convolution whose kernel holds the k_d depth taps
 *       side by side on its input channels;
 *   <li>a transposed convolution: the sub-pixel decomposition along depth (as {@link SubPixelConvTranspose}), one
 *       2-D transposed convolution whose output channels are the depth phases, phase-major, so that the depth
 *       interleaving is a Reshape (the in-plane part is then rewritten by {@link SubPixelConvTranspose});
 *   <li>max pooling: the 2-D pool, then the maximum over the depth window's slices;
 *   <li>instance normalisation: moments over (D, H, W) by reductions of the [N, D, C, H, W] view; batch
 *       normalisation, activations, residual sums and channel concatenation as they are.
 * </ul>
 *
 * Any other operator gets the volume back in [N, C, D, H, W] (converted once). Exact up to float rounding: the tests
 * hold UNet, BasicUNet and UNETR to a relative error below 1e-5 against the original graph. For the CPU only: cuDNN's
 * 3-D convolutions are fast, and this form would only add copies there.
 */
final class DepthSlices {

    private static final long[] SWAP_C_D = {0, 2, 1, 3, 4};
    /**
     * The largest stacked convolution input allowed, in bytes. The stack holds k_d copies of a layer's input, and ONNX
     * Runtime reorders it once more for its blocked kernels: MONAI Label's spleen windows (160³) peak at ~100 MB, its
     * DeepGrow 3D volume (96 channels at 128x192x192) would need 5.4 GB per copy and ran out of 24 GB.
     */
    static final long STACK_BUDGET = 1L << 30;

    private final GraphBuilder g;
    private final long opset;
    /** Volumes ([N, C, D, H, W]) by name → their slices [N·D, C, H, W], once made. */
    private final Map<String, String> slices = new HashMap<>();
    /** Volumes computed as slices whose [N, C, D, H, W] form has not been emitted. */
    private final Set<String> slicedOnly = new HashSet<>();
    /** Channel counts where known (from weights and declared shapes). */
    private final Map<String, Long> channels = new HashMap<>();
    /** Stacked depth taps already emitted, by (volume, taps, step, pad before, pad after). */
    private final Map<List<Object>, String> stacks = new HashMap<>();
    /** N, as an int64 [1], from the first volume turned into slices. */
    private String batch;

    private int rewritten;

    private DepthSlices(GraphBuilder g, long opset) {
        this.g = g;
        this.opset = opset;
    }

    /**
     * Rewrites {@code g} in place when no convolution's stacked input would pass {@value #STACK_BUDGET} bytes for
     * inputs of {@code inputVoxels} voxels (batch 1); returns the number of 3-D operators now computed over slices.
     */
    static int rewrite(GraphBuilder g, long opset, long inputVoxels) {
        if (opset < 13 || inputVoxels <= 0 || largestStack(g, inputVoxels) > STACK_BUDGET) {
            return 0;
        }
        DepthSlices d = new DepthSlices(g, opset);
        for (ValueInfoProto input : g.inputs()) {
            TensorShapeProto shape = input.getType().getTensorType().getShape();
            if (shape.getDimCount() == 5 && shape.getDim(1).hasDimValue()) {
                d.channels.put(input.getName(), shape.getDim(1).getDimValue());
            }
        }
        for (NodeProto n : g.takeNodes()) {
            if (!d.sliced(n)) {
                d.asIs(n);
            }
        }
        List<ValueInfoProto> outputs = new ArrayList<>(g.outputs());
        g.clearOutputs();
        for (ValueInfoProto output : outputs) {
            if (d.slicedOnly.contains(output.getName())) {
                d.volume(output.getName());
            }
            g.output(d.withChannels(output));
        }
        return d.rewritten;
    }

    /**
     * A float graph output computed over slices, declared with its channel count where the original declared none:
     * ONNX Runtime inferred it from the last convolution's kernel, but cannot through the rewrite's computed shapes.
     */
    private ValueInfoProto withChannels(ValueInfoProto output) {
        Long c = channels.get(output.getName());
        TensorShapeProto shape = output.getType().getTensorType().getShape();
        boolean unknown = !output.getType().getTensorType().hasShape()
                || shape.getDimCount() == 5 && !shape.getDim(1).hasDimValue();
        if (c == null
                || !unknown
                || !slices.containsKey(output.getName())
                || output.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            return output;
        }
        TensorShapeProto.Builder declared = TensorShapeProto.newBuilder();
        for (int a = 0; a < 5; a++) {
            TensorShapeProto.Dimension.Builder dim = a == 1
                    ? TensorShapeProto.Dimension.newBuilder().setDimValue(c)
                    : shape.getDimCount() == 5 ? shape.getDim(a).toBuilder() : TensorShapeProto.Dimension.newBuilder();
            declared.addDim(dim);
        }
        ValueInfoProto.Builder b = output.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().setShape(declared);
        return b.build();
    }

    /** Emits {@code n} unchanged, its volume inputs back in [N, C, D, H, W] first. */
    private void asIs(NodeProto n) {
        n.getInputList().stream()
                .filter(slicedOnly::contains)
                .distinct()
                .toList()
                .forEach(this::volume);
        g.add(n);
    }

    /** Emits {@code n} over slices and returns true, or emits nothing and returns false. */
    private boolean sliced(NodeProto n) {
        String op = n.getOpType();
        boolean done;
        if (op.equals("Conv")) {
            done = conv(n);
        } else if (op.equals("ConvTranspose")) {
            done = convTranspose(n);
        } else if (n.getInputCount() == 0 || !slices.containsKey(n.getInput(0))) {
            return false; // only convolutions start a region; the rest follows it
        } else if (op.equals("MaxPool")) {
            done = maxPool(n);
        } else if (op.equals("InstanceNormalization")) {
            done = instanceNorm(n);
        } else if (op.equals("BatchNormalization") || ElementwiseOps.UNARY.contains(op)) {
            done = sameOnSlices(n);
        } else if (ElementwiseOps.BROADCAST.contains(op)) {
            done = elementwise(n);
        } else if (op.equals("Concat")) {
            done = concat(n);
        } else {
            done = false;
        }
        if (done) {
            rewritten++;
        }
        return done;
    }

    private boolean conv(NodeProto n) {
        TensorProto w = constantWeight(n);
        if (w == null || !plainWindow(n) || !constantOrAbsent(n, 2)) {
            return false;
        }
        long[] dims = Tensors.dims(w);
        long[] pads = Attributes.ints(n, "pads", new long[6]);
        long[] strides = Attributes.ints(n, "strides", new long[] {1, 1, 1});
        long[] dilations = Attributes.ints(n, "dilations", new long[] {1, 1, 1});
        if (dilations[0] != 1) {
            return false;
        }
        int co = (int) dims[0];
        int ci = (int) dims[1];
        int kd = (int) dims[2];
        String stacked = stackedTaps(n.getInput(0), kd, strides[0], pads[0], pads[3]);
        // kernel [Co, Ci, kd, kh, kw] -> [Co, kd, Ci, kh, kw] = [Co, kd·Ci, kh, kw]: tap t reads input channels t·Ci..
        float[] kernel = Tensors.floatValues(Tensors.transposed(w, new int[] {0, 2, 1, 3, 4}, "kernel"));
        List<String> inputs = new ArrayList<>(List.of(
                stacked, g.floats(w.getName() + ".slices", new long[] {co, (long) kd * ci, dims[3], dims[4]}, kernel)));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            inputs.add(n.getInput(2));
        }
        String y = g.node(
                "Conv", inputs, inPlane(dims, strides, pads, Attributes.ints("dilations", dilations[1], dilations[2])));
        produced(n.getOutput(0), y, (long) co);
        return true;
    }

    private boolean convTranspose(NodeProto n) {
        TensorProto w = constantWeight(n);
        if (w == null
                || !plainWindow(n)
                || Attributes.ints(n, "output_shape", null) != null
                || !constantOrAbsent(n, 2)) {
            return false;
        }
        long[] dims = Tensors.dims(w);
        long[] pads = Attributes.ints(n, "pads", new long[6]);
        long[] strides = Attributes.ints(n, "strides", new long[] {1, 1, 1});
        long[] outputPads = Attributes.ints(n, "output_padding", new long[3]);
        long[] dilations = Attributes.ints(n, "dilations", new long[] {1, 1, 1});
        SubPixelConvTranspose.Axis depth = SubPixelConvTranspose.Axis.of(
                (int) strides[0], (int) dims[2], (int) pads[0], (int) pads[3], (int) outputPads[0]);
        if (depth == null || dilations[0] != 1) {
            return false;
        }
        int ci = (int) dims[0];
        int co = (int) dims[1];
        int s = depth.stride();
        int size = depth.size();
        int plane = (int) (dims[3] * dims[4]);
        float[] k = Tensors.floatValues(w);
        // W2[(slot, i), (phase, o), kh, kw] = W[i, o, tap, kh, kw] for each phase's taps
        float[] w2 = new float[size * ci * s * co * plane];
        for (int phase = 0; phase < s; phase++) {
            for (int j = 0; j < depth.taps()[phase].length; j++) {
                int tap = depth.taps()[phase][j];
                int slot = depth.slots()[phase][j];
                for (int i = 0; i < ci; i++) {
                    for (int o = 0; o < co; o++) {
                        System.arraycopy(
                                k,
                                ((i * co + o) * (int) dims[2] + tap) * plane,
                                w2,
                                (((slot * ci + i) * s + phase) * co + o) * plane,
                                plane);
                    }
                }
            }
        }
        List<String> inputs = new ArrayList<>();
        inputs.add(stackedTaps(n.getInput(0), size, 1, depth.padBegin(), depth.padEnd()));
        inputs.add(
                g.floats(w.getName() + ".slices", new long[] {(long) size * ci, (long) s * co, dims[3], dims[4]}, w2));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            float[] b = Tensors.floatValues(g.initializer(n.getInput(2)));
            float[] tiled = new float[s * co];
            for (int phase = 0; phase < s; phase++) {
                System.arraycopy(b, 0, tiled, phase * co, co);
            }
            inputs.add(g.floats(n.getInput(2) + ".slices", new long[] {tiled.length}, tiled));
        }
        String y = g.node(
                "ConvTranspose",
                inputs,
                inPlane(dims, strides, pads, Attributes.ints("output_padding", outputPads[1], outputPads[2])));
        // [N·Dm, (phase, Co), H', W'] is [N·Dm·s, Co, H', W'] with depth m·s + phase: a Reshape interleaves
        String shape = g.node(
                "Concat",
                List.of(g.int64s("slices.interleave", -1, co), shapeOf(y, 2, 4)),
                Attributes.integer("axis", 0));
        produced(n.getOutput(0), g.node("Reshape", List.of(y, shape)), (long) co);
        return true;
    }

    private boolean maxPool(NodeProto n) {
        long[] kernel = Attributes.ints(n, "kernel_shape", null);
        if (kernel == null
                || kernel.length != 3
                || n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()
                || Attributes.integer(n, "ceil_mode", 0) != 0
                || !Attributes.string(n, "auto_pad", "NOTSET").equals("NOTSET")) {
            return false;
        }
        long[] strides = Attributes.ints(n, "strides", new long[] {1, 1, 1});
        long[] pads = Attributes.ints(n, "pads", new long[6]);
        long[] dilations = Attributes.ints(n, "dilations", new long[] {1, 1, 1});
        if (pads[0] != 0 || pads[3] != 0 || dilations[0] != 1) {
            return false;
        }
        String planes = g.node(
                "MaxPool",
                List.of(slices.get(n.getInput(0))),
                Attributes.ints("kernel_shape", kernel[1], kernel[2]),
                Attributes.ints("strides", strides[1], strides[2]),
                Attributes.ints("pads", pads[1], pads[2], pads[4], pads[5]),
                Attributes.ints("dilations", dilations[1], dilations[2]));
        String windows = depthWindows(fiveD(planes), (int) kernel[0], strides[0], 0, 0);
        String max = opset >= 18
                ? g.node(
                        "ReduceMax",
                        List.of(windows, g.int64s("slices.taps_axis", 2)),
                        Attributes.integer("keepdims", 0))
                : g.node("ReduceMax", List.of(windows), Attributes.ints("axes", 2), Attributes.integer("keepdims", 0));
        produced(n.getOutput(0), fourD(max), channels.get(n.getInput(0)));
        return true;
    }

    /**
     * (x − mean)·scale/√(var + ε) + bias per (n, c) over (D, H, W) of the [N, D, C, H, W] view, with var the mean of
     * (x − mean)²: two passes, as PyTorch computes it. The one-pass E[x²] − mean² cancels catastrophically in float32
     * where a channel's mean is large against its spread (deep features of a window that is mostly padding): DynUNet's
     * labels moved on 0.6 % of voxels.
     */
    private boolean instanceNorm(NodeProto n) {
        TensorProto scale = g.initializer(n.getInput(1));
        TensorProto bias = g.initializer(n.getInput(2));
        if (scale == null || bias == null) {
            return false;
        }
        float epsilon = Attributes.real(n, "epsilon", 1e-5f);
        String x5 = fiveD(slices.get(n.getInput(0)));
        String centred = g.node("Sub", List.of(x5, reduce("ReduceMean", x5)));
        String variance = g.node(
                "Div",
                List.of(
                        reduce("ReduceSumSquare", centred),
                        g.node(
                                "Cast",
                                List.of(count(x5)),
                                Attributes.integer("to", TensorProto.DataType.FLOAT_VALUE))));
        String deviation = g.node("Sqrt", List.of(g.node("Add", List.of(variance, scalar(epsilon)))));
        String k = g.node("Div", List.of(perChannel(scale), deviation));
        String y = g.node("Add", List.of(g.node("Mul", List.of(centred, k)), perChannel(bias)));
        produced(n.getOutput(0), fourD(y), channels.get(n.getInput(0)));
        return true;
    }

    /** Operators that act per channel on axis 1, or per element: the same node on the slices. */
    private boolean sameOnSlices(NodeProto n) {
        for (int i = 1; i < n.getInputCount(); i++) {
            if (slices.containsKey(n.getInput(i))) {
                return false;
            }
        }
        for (int o = 1; o < n.getOutputCount(); o++) {
            if (!n.getOutput(o).isEmpty()) {
                return false; // Dropout's mask, BatchNormalization's training outputs
            }
        }
        NodeProto.Builder b = n.toBuilder().setInput(0, slices.get(n.getInput(0)));
        String out = g.fresh(n.getOutput(0) + ".slices");
        b.setOutput(0, out);
        g.add(b.build());
        produced(n.getOutput(0), out, channels.get(n.getInput(0)));
        return true;
    }

    /** Element-wise operators over slices of the same volume shape, or constants per channel. */
    private boolean elementwise(NodeProto n) {
        for (String in : n.getInputList()) {
            TensorProto constant = g.initializer(in);
            if (!slices.containsKey(in) && (constant == null || !perChannelConstant(constant))) {
                return false;
            }
        }
        List<String> inputs = n.getInputList().stream()
                .map(in -> slices.containsKey(in) ? slices.get(in) : fourDConstant(g.initializer(in)))
                .toList();
        String out = g.fresh(n.getOutput(0) + ".slices");
        g.add(n.toBuilder().clearInput().addAllInput(inputs).setOutput(0, out).build());
        produced(n.getOutput(0), out, channels.get(n.getInput(0)));
        return true;
    }

    private boolean concat(NodeProto n) {
        long axis = Attributes.integer(n, "axis", 0);
        if ((axis != 1 && axis != -4) || !n.getInputList().stream().allMatch(slices::containsKey)) {
            return false;
        }
        List<String> inputs = n.getInputList().stream().map(slices::get).toList();
        Long total = 0L;
        for (String in : n.getInputList()) {
            Long c = channels.get(in);
            total = total == null || c == null ? null : total + c;
        }
        produced(n.getOutput(0), g.node("Concat", inputs, Attributes.integer("axis", 1)), total);
        return true;
    }

    /**
     * The largest stacked input in bytes, for a graph input of {@code inputVoxels}: each value's voxels relative to
     * the input follow the strides of the convolutions and pools before it (other operators keep the largest of their
     * inputs').
     */
    private static double largestStack(GraphBuilder g, long inputVoxels) {
        Map<String, Double> scale = new HashMap<>();
        g.inputs().forEach(v -> scale.put(v.getName(), 1.0));
        double largest = 0;
        for (NodeProto n : g.nodes()) {
            double in = n.getInputList().stream()
                    .mapToDouble(v -> scale.getOrDefault(v, 0.0))
                    .max()
                    .orElse(0);
            double out = in;
            String op = n.getOpType();
            if (op.equals("Conv") || op.equals("ConvTranspose") || op.equals("MaxPool")) {
                double strides = 1;
                for (long s : Attributes.ints(n, "strides", new long[0])) {
                    strides *= s;
                }
                out = op.equals("ConvTranspose") ? in * strides : in / strides;
                TensorProto w = n.getInputCount() > 1 ? g.initializer(n.getInput(1)) : null;
                if (w != null && w.getDimsCount() == 5) {
                    long taps = w.getDims(2);
                    long inputChannels = op.equals("Conv") ? w.getDims(1) : w.getDims(0);
                    largest = Math.max(largest, 4.0 * inputVoxels * in * taps * inputChannels);
                }
            }
            for (String o : n.getOutputList()) {
                scale.put(o, out);
            }
        }
        return largest;
    }

    // --- layout -------------------------------------------------------------------------------------------------

    /** Records that {@code original} (a volume) is available as the slices {@code sliced}. */
    private void produced(String original, String sliced, Long channelCount) {
        slices.put(original, sliced);
        slicedOnly.add(original);
        if (channelCount != null) {
            channels.put(original, channelCount);
            channels.put(sliced, channelCount);
        }
    }

    /** The slices of a volume, converted from [N, C, D, H, W] on first use. */
    private String slicesOf(String volume) {
        String s = slices.get(volume);
        if (s != null) {
            return s;
        }
        if (batch == null) {
            batch = shapeOf(volume, 0, 1);
        }
        Long c = channels.get(volume);
        if (c != null && c == 1) {
            // [N, 1, D, H, W] and [N·D, 1, H, W] are the same values in the same order
            String shape = g.node(
                    "Concat",
                    List.of(g.int64s("slices.one", -1, 1), shapeOf(volume, 3, 5)),
                    Attributes.integer("axis", 0));
            s = g.node("Reshape", List.of(volume, shape));
        } else {
            s = fourD(g.node("Transpose", List.of(volume), Attributes.ints("perm", SWAP_C_D)));
        }
        slices.put(volume, s);
        if (c != null) {
            channels.put(s, c);
        }
        return s;
    }

    /** Emits the [N, C, D, H, W] form of a volume computed as slices, under the volume's own name. */
    private void volume(String original) {
        String s = slices.get(original);
        Long c = channels.get(original);
        if (c != null && c == 1) {
            String shape = g.node(
                    "Concat",
                    List.of(batch, g.int64s("slices.one_rest", 1, -1), shapeOf(s, 2, 4)),
                    Attributes.integer("axis", 0));
            g.node("Reshape", List.of(s, shape), original);
        } else {
            g.node("Transpose", List.of(fiveD(s)), original, Attributes.ints("perm", SWAP_C_D));
        }
        slicedOnly.remove(original);
    }

    /** [N·D, C, H, W] → [N, D, C, H, W] (a Reshape: free). */
    private String fiveD(String fourD) {
        String shape = g.node(
                "Concat",
                List.of(batch, g.int64s("slices.depth", -1), shapeOf(fourD, 1, 4)),
                Attributes.integer("axis", 0));
        return g.node("Reshape", List.of(fourD, shape));
    }

    /** [N, D, C, H, W] → [N·D, C, H, W] (a Reshape: free). */
    private String fourD(String fiveD) {
        String shape = g.node(
                "Concat", List.of(g.int64s("slices.flat", -1), shapeOf(fiveD, 2, 5)), Attributes.integer("axis", 0));
        return g.node("Reshape", List.of(fiveD, shape));
    }

    /**
     * The depth windows of [N, D, C, H, W] padded by {@code before}/{@code after} zero slices, for windows of
     * {@code taps} slices at every {@code step}-th start: [N, D', taps, C, H, W], one Gather (a copy per tap) after
     * the padding.
     */
    private String depthWindows(String x5, int taps, long step, long before, long after) {
        String padded = before == 0 && after == 0
                ? x5
                : g.node("Pad", List.of(x5, g.int64s("slices.pads", 0, before, 0, 0, 0, 0, after, 0, 0, 0)));
        // starts 0, step, ..., up to the last window that fits: (D + pads - taps) / step + 1 of them
        String length = shapeOf(padded, 1, 2);
        String count = g.node(
                "Add",
                List.of(
                        g.node(
                                "Div",
                                List.of(
                                        g.node("Sub", List.of(length, g.int64s("slices.taps", taps))),
                                        g.int64s("slices.step", step))),
                        g.int64s("slices.one", 1)));
        String limit = g.node("Mul", List.of(count, g.int64s("slices.step", step)));
        String starts = g.node(
                "Range",
                List.of(scalarInt(0), g.node("Squeeze", List.of(limit, g.int64s("slices.axis0", 0))), scalarInt(step)));
        long[] offsets = new long[taps];
        for (int t = 0; t < taps; t++) {
            offsets[t] = t;
        }
        String column = g.node("Unsqueeze", List.of(starts, g.int64s("slices.axis1", 1)));
        String indices = g.node("Add", List.of(column, g.int64s("slices.offsets", offsets)));
        return g.node("Gather", List.of(padded, indices), Attributes.integer("axis", 1));
    }

    /**
     * A volume's depth taps stacked on the channels, [N·D', taps·C, H, W], made once for each way it is read: a
     * residual unit's two strided convolutions read the same windows of the same input.
     */
    private String stackedTaps(String volume, int taps, long step, long before, long after) {
        return stacks.computeIfAbsent(
                List.of(volume, taps, step, before, after),
                key -> stacked(depthWindows(fiveD(slicesOf(volume)), taps, step, before, after), taps));
    }

    /** A 3-D window's kernel_shape, strides and pads along H and W, then {@code more}. */
    private static AttributeProto[] inPlane(long[] kernel, long[] strides, long[] pads, AttributeProto more) {
        return new AttributeProto[] {
            Attributes.ints("kernel_shape", kernel[3], kernel[4]),
            Attributes.ints("strides", strides[1], strides[2]),
            Attributes.ints("pads", pads[1], pads[2], pads[4], pads[5]),
            more
        };
    }

    /** [N, D', taps, C, H, W] as the 2-D convolution's input [N·D', taps·C, H, W] (a Reshape: free). */
    private String stacked(String windows, int taps) {
        String channels = g.node("Mul", List.of(shapeOf(windows, 3, 4), g.int64s("slices.taps", taps)));
        String shape = g.node(
                "Concat",
                List.of(g.int64s("slices.flat", -1), channels, shapeOf(windows, 4, 6)),
                Attributes.integer("axis", 0));
        return g.node("Reshape", List.of(windows, shape));
    }

    /** Dimensions start..end-1 of a value, as an int64 vector. */
    private String shapeOf(String value, int start, int end) {
        if (opset >= 15) {
            return g.node("Shape", List.of(value), Attributes.integer("start", start), Attributes.integer("end", end));
        }
        return g.node(
                "Slice",
                List.of(
                        g.node("Shape", List.of(value)),
                        g.int64s("slices.shape_start", start),
                        g.int64s("slices.shape_end", end)));
    }

    /** A reduction over (D, H, W) of [N, D, C, H, W], kept as [N, 1, C, 1, 1]. */
    /**
     * A sum (of squares) or mean over D, H and W of [N, D, C, H, W], one axis at a time (W, then H, then D): ONNX
     * Runtime sums a reduction in order in float32, which over the D·H·W values of a 96³ window loses about 1e-3 of
     * the result (DynUNet's logits moved by 1 %); partial sums over one axis keep PyTorch's precision. A mean of
     * equal-sized means is the mean.
     */
    private String reduce(String op, String x5) {
        String rest = op.equals("ReduceSumSquare") ? "ReduceSum" : op;
        String y = reduceAxis(op, x5, 4);
        y = reduceAxis(rest, y, 3);
        return reduceAxis(rest, y, 1);
    }

    private String reduceAxis(String op, String x, long axis) {
        boolean axesInput = opset >= 18 || (op.equals("ReduceSum") && opset >= 13);
        if (axesInput) {
            return g.node(op, List.of(x, g.int64s("slices.axis", axis)), Attributes.integer("keepdims", 1));
        }
        return g.node(op, List.of(x), Attributes.ints("axes", axis), Attributes.integer("keepdims", 1));
    }

    /** D·H·W of [N, D, C, H, W], as an int64 [1]. */
    private String count(String x5) {
        String depth = shapeOf(x5, 1, 2);
        String plane = g.node("ReduceProd", List.of(shapeOf(x5, 3, 5)), Attributes.integer("keepdims", 1));
        return g.node("Mul", List.of(depth, plane));
    }

    /** An int64 scalar (a rank-0 tensor), as Range takes its arguments. */
    private String scalarInt(long value) {
        return g.initializer(Tensors.int64s(g.fresh("slices.scalar"), value).toBuilder()
                .clearDims()
                .build());
    }

    private String scalar(float value) {
        return g.floats("slices.epsilon", new long[] {1}, new float[] {value});
    }

    /** A per-channel vector [C] as [C, 1, 1]: on [N, D, C, H, W] it broadcasts over the channel axis. */
    private String perChannel(TensorProto vector) {
        return g.floats(
                vector.getName() + ".slices",
                new long[] {Tensors.elementCount(vector), 1, 1},
                Tensors.floatValues(vector));
    }

    // --- conditions ---------------------------------------------------------------------------------------------

    /** A constant float kernel of a 3-D convolution (whose input is then [N, C, D, H, W]: ONNX ties the ranks). */
    private TensorProto constantWeight(NodeProto n) {
        TensorProto w = n.getInputCount() > 1 ? g.initializer(n.getInput(1)) : null;
        return w != null && w.getDataType() == TensorProto.DataType.FLOAT_VALUE && w.getDimsCount() == 5 ? w : null;
    }

    private static boolean plainWindow(NodeProto n) {
        return Attributes.integer(n, "group", 1) == 1
                && Attributes.string(n, "auto_pad", "NOTSET").equals("NOTSET");
    }

    private boolean constantOrAbsent(NodeProto n, int input) {
        return n.getInputCount() <= input || n.getInput(input).isEmpty() || g.initializer(n.getInput(input)) != null;
    }

    /**
     * A constant that is the same along D, H and W and over N: [1, C, 1, 1, 1], [C, 1, 1, 1], or up to three trailing
     * dimensions all 1 (a scalar, in effect).
     */
    private static boolean perChannelConstant(TensorProto t) {
        long[] dims = Tensors.dims(t);
        for (int d = Math.max(0, dims.length - 3); d < dims.length; d++) {
            if (dims[d] != 1) {
                return false;
            }
        }
        return dims.length < 5 || dims[0] == 1;
    }

    /** Such a constant shaped for [N·D, C, H, W]: [C, 1, 1] when it has a channel axis. */
    private String fourDConstant(TensorProto t) {
        long[] dims = Tensors.dims(t);
        if (dims.length < 4) {
            return t.getName();
        }
        TensorProto reshaped = t.toBuilder()
                .clearDims()
                .addDims(dims[dims.length - 4])
                .addDims(1)
                .addDims(1)
                .setName(g.fresh(t.getName() + ".slices"))
                .build();
        return g.initializer(reshaped);
    }
}
