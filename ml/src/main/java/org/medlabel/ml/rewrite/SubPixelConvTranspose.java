package org.medlabel.ml.rewrite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * ConvTranspose as one Conv computing every output phase at once (the sub-pixel form), then depth-to-space by
 * Reshape/Transpose/Reshape. ORT's CPU ConvTranspose runs at 1-20 GFLOP/s, its Conv at 100+ (ML-SPIKE §2).
 *
 * <p>Per spatial axis with stride s, kernel k and begin padding p, output {@code o = s·m + φ} sums input
 * {@code i = m + (φ + p - t)/s} over the taps {@code t ≡ φ + p (mod s)}; so phase φ is a correlation of the input
 * at offsets {@code d = (φ + p - t)/s}. One Conv with Co·s^r output channels covers all phases, its kernel spanning
 * the offsets' range. Applies to constant weights, group 1, no dilation, explicit pads, and output lengths that are
 * multiples of the stride (all UNet up-sampling layers).
 *
 * <p>Depth-to-space on the CPU: for 3-D strides equal in-plane (UNet, BasicUNet and most DynUNet levels) a
 * DepthToSpace in-plane and one Transpose of whole planes for depth, 2-3x faster than ORT's 3-D Col2Im; otherwise
 * (opset 18+) one {@code Col2Im} with blocks the size of the strides: one output value instead of a Transpose per
 * axis, twice as fast, and of the layer's own output shape, which ONNX Runtime's planner (it reuses a dead buffer only
 * for a value of the same shape) can give to the next value of that shape. The Transposes' odd shapes recur only in
 * the backward pass, so their dead buffers were held through its peak (1 GiB of the deepedit step at 128³,
 * bench/RESULTS.md; the DepthToSpace form adds 40 MB there). ORT has no CUDA Col2Im: there the Transposes stay.
 */
final class SubPixelConvTranspose implements NodeRewrite {

    private final boolean cpu;

    /** {@code cpu}: depth-to-space in the CPU's forms (DepthToSpace, or Col2Im at opset 18 and later). */
    SubPixelConvTranspose(boolean cpu) {
        this.cpu = cpu;
    }

    @Override
    public String name() {
        return "ConvTranspose -> sub-pixel Conv";
    }

    /**
     * One axis of the rewrite: per phase, the taps and where they land in the new kernel of {@code size} offsets, and
     * the padding that makes every offset readable.
     */
    record Axis(int stride, int kernel, int[][] taps, int[][] slots, int size, int padBegin, int padEnd) {

        static Axis of(int s, int k, int pb, int pe, int op) {
            if ((k + op - pb - pe) % s != 0) {
                return null;
            }
            int[][] taps = new int[s][];
            int[][] offsets = new int[s][];
            int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
            for (int phase = 0; phase < s; phase++) {
                int t0 = Math.floorMod(phase + pb, s);
                int q = (phase + pb - t0) / s;
                int n = t0 < k ? (k - 1 - t0) / s + 1 : 0;
                taps[phase] = new int[n];
                offsets[phase] = new int[n];
                for (int j = 0; j < n; j++) {
                    taps[phase][j] = t0 + j * s;
                    offsets[phase][j] = q - j;
                    min = Math.min(min, q - j);
                    max = Math.max(max, q - j);
                }
            }
            int padBegin = -min;
            int padEnd = Math.floorDiv(k + op - pb - pe - s, s) + max;
            if (padBegin < 0 || padEnd < 0) {
                return null;
            }
            int lowest = min;
            int[][] slots = new int[s][];
            for (int phase = 0; phase < s; phase++) {
                slots[phase] =
                        Arrays.stream(offsets[phase]).map(d -> d - lowest).toArray();
            }
            return new Axis(s, k, taps, slots, max - min + 1, padBegin, padEnd);
        }
    }

    @Override
    public boolean rewrite(NodeProto node, GraphBuilder g, long opset) {
        if (!node.getOpType().equals("ConvTranspose")) {
            return false;
        }
        TensorProto weight = g.initializer(node.getInput(1));
        long[] weightDims = weight != null ? Tensors.dims(weight) : g.staticShape(node.getInput(1));
        if (weightDims == null
                || weightDims.length < 3
                || (weight != null && weight.getDataType() != TensorProto.DataType.FLOAT_VALUE)) {
            return false;
        }
        int rank = weightDims.length - 2;
        long[] ones = new long[rank];
        Arrays.fill(ones, 1);
        long[] strides = Attributes.ints(node, "strides", ones);
        long[] pads = Attributes.ints(node, "pads", new long[2 * rank]);
        long[] outputPads = Attributes.ints(node, "output_padding", new long[rank]);
        boolean plain = Attributes.integer(node, "group", 1) == 1
                && Arrays.equals(Attributes.ints(node, "dilations", ones), ones)
                && Attributes.string(node, "auto_pad", "NOTSET").equals("NOTSET")
                && Attributes.ints(node, "output_shape", null) == null;
        TensorProto bias =
                node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? g.initializer(node.getInput(2)) : null;
        if (!plain) {
            return false;
        }
        Axis[] axes = new Axis[rank];
        for (int a = 0; a < rank; a++) {
            axes[a] = Axis.of((int) strides[a], (int) weightDims[2 + a], (int) pads[a], (int) pads[rank + a], (int)
                    outputPads[a]);
            if (axes[a] == null) {
                return false;
            }
        }
        int ci = (int) weightDims[0];
        int co = (int) weightDims[1];
        int[] taps = tapTable(axes);
        String kernel = weight != null
                ? g.floats(
                        node.getInput(1) + ".subpixel",
                        kernelDims(axes, ci, co),
                        kernel(weight, taps, product(axes, Axis::size), ci, co))
                : kernelInGraph(g, node.getInput(1), taps, axes, ci, co);
        int phases = product(axes, Axis::stride);
        List<String> inputs = new ArrayList<>(List.of(node.getInput(0), kernel));
        if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
            inputs.add(
                    bias != null
                            ? tiledBias(g, node.getInput(2), bias, phases, co)
                            : tiledBiasInGraph(g, node.getInput(2), phases, co));
        }
        long[] convPads = new long[2 * rank];
        long[] kernelShape = new long[rank];
        for (int a = 0; a < rank; a++) {
            convPads[a] = axes[a].padBegin();
            convPads[rank + a] = axes[a].padEnd();
            kernelShape[a] = axes[a].size();
        }
        if (phases == 1) {
            g.node(
                    "Conv",
                    inputs,
                    node.getOutput(0),
                    Attributes.ints("pads", convPads),
                    Attributes.ints("kernel_shape", kernelShape));
            return true;
        }
        String conv =
                g.node("Conv", inputs, Attributes.ints("pads", convPads), Attributes.ints("kernel_shape", kernelShape));
        if (cpu && opset >= 11 && strides.length == 3 && strides[1] == strides[2]) {
            depthToSpaceOp(g, conv, node.getOutput(0), strides, co);
        } else if (cpu && opset >= 18) {
            col2im(g, conv, node.getOutput(0), strides, (long) co * phases);
        } else {
            depthToSpace(g, conv, node.getOutput(0), strides, co);
        }
        return true;
    }

    /** The bias repeated for every phase of its output channel: tiled[o·phases + p] = b[o]. */
    private static String tiledBias(GraphBuilder g, String name, TensorProto bias, int phases, int co) {
        float[] b = Tensors.floatValues(bias);
        float[] tiled = new float[phases * co];
        for (int p = 0; p < phases; p++) {
            for (int o = 0; o < co; o++) {
                tiled[o * phases + p] = b[o];
            }
        }
        return g.floats(name + ".subpixel", new long[] {tiled.length}, tiled);
    }

    /** The same tiling of a bias that is an input, in the graph. */
    private static String tiledBiasInGraph(GraphBuilder g, String bias, int phases, int co) {
        String column = g.node("Reshape", List.of(bias, g.int64s("subpixel.bias_column", co, 1)));
        String tiled = g.node("Expand", List.of(column, g.int64s("subpixel.bias_phases", co, phases)));
        return g.node("Reshape", List.of(tiled, g.int64s("subpixel.bias_shape", (long) co * phases)));
    }

    /**
     * A 3-D depth-to-space whose in-plane strides are equal, by ONNX's DepthToSpace in-plane (CRD: channel co·s² +
     * φ_h·s + φ_w, as the phases are laid out) and a Transpose of whole planes for the depth phases: [N·Co·s_d, s²,
     * D·H, W] → DepthToSpace → [N·Co, s_d, D, H·s·W·s] → [N·Co, D, s_d, H·s·W·s]. 2-3x faster than ORT's 3-D Col2Im
     * (4 x 16 x 48³: 25 against 47-64 ms; 1 x 32 x 128³: 214 against 536 ms); in 2-D its Col2Im is the faster (16 x 64
     * x 256²: 95 against 238 ms), so 2-D layers keep it.
     */
    private static void depthToSpaceOp(GraphBuilder g, String x, String out, long[] strides, int co) {
        long s = strides[2];
        String spatial = spatial(g, x, 3);
        String upsampled = upsampled(g, strides, spatial);
        String depth = g.node("Slice", List.of(spatial, g.int64s("starts", 0), g.int64s("ends", 1)));
        String rows = g.node(
                "ReduceProd",
                List.of(g.node("Slice", List.of(spatial, g.int64s("starts", 0), g.int64s("ends", 2)))),
                Attributes.integer("keepdims", 1));
        String width = g.node("Slice", List.of(spatial, g.int64s("starts", 2), g.int64s("ends", 3)));
        String planes = g.node(
                "ReduceProd",
                List.of(g.node("Slice", List.of(upsampled, g.int64s("starts", 1), g.int64s("ends", 3)))),
                Attributes.integer("keepdims", 1));
        String inPlane = g.node(
                "Reshape",
                List.of(
                        x,
                        g.node(
                                "Concat",
                                List.of(g.int64s("inplane_head", -1, s * s), rows, width),
                                Attributes.integer("axis", 0))));
        String interleaved = g.node(
                "DepthToSpace", List.of(inPlane), Attributes.integer("blocksize", s), Attributes.string("mode", "CRD"));
        String byDepthPhase = g.node(
                "Reshape",
                List.of(
                        interleaved,
                        g.node(
                                "Concat",
                                List.of(g.int64s("depth_phase_head", -1, strides[0]), depth, planes),
                                Attributes.integer("axis", 0))));
        String moved = strides[0] == 1
                ? byDepthPhase
                : g.node("Transpose", List.of(byDepthPhase), Attributes.ints("perm", 0, 2, 1, 3));
        String shape =
                g.node("Concat", List.of(g.int64s("batch_channels", -1, co), upsampled), Attributes.integer("axis", 0));
        g.node("Reshape", List.of(moved, shape), out);
    }

    /**
     * The same depth-to-space as one Col2Im: its input is [N, Co·s_1..s_r, M_1..M_r flattened] with Co outermost, as
     * the phases are laid out, and blocks of size s placed s apart do not overlap.
     */
    private static void col2im(GraphBuilder g, String x, String out, long[] strides, long channels) {
        String columns = g.node("Reshape", List.of(x, g.int64s("columns_shape", 0, channels, -1)));
        g.node(
                "Col2Im",
                List.of(
                        columns,
                        upsampled(g, strides, spatial(g, x, strides.length)),
                        g.int64s("block_shape", strides)),
                out,
                Attributes.ints("strides", strides));
    }

    /**
     * [N, (Co, s_1..s_r), M_1..M_r] -> [N, Co, M_1·s_1, ..., M_r·s_r], for any input size. One axis at a time, last
     * first: Reshape to [N, Co·s_1..s_(a-1), s_a, M_1..M_(a-1), M_a, rest], then a Transpose moving s_a just after M_a.
     * ORT runs these single-axis moves 4x faster than one transpose of the whole permutation (which it would also
     * make of consecutive transposes: the reshapes keep them apart).
     */
    private static void depthToSpace(GraphBuilder g, String x, String out, long[] strides, int co) {
        int rank = strides.length;
        String spatial = spatial(g, x, rank);
        String upsampled = upsampled(g, strides, spatial);
        String y = x;
        for (int a = rank - 1; a >= 0; a--) {
            long channels = co;
            for (int b = 0; b < a; b++) {
                channels *= strides[b];
            }
            String size = g.node("Slice", List.of(spatial, g.int64s("starts", a), g.int64s("ends", a + 1)));
            String rest = a == rank - 1
                    ? g.int64s("one", 1)
                    : g.node(
                            "ReduceProd",
                            List.of(g.node(
                                    "Slice", List.of(upsampled, g.int64s("starts", a + 1), g.int64s("ends", rank)))),
                            Attributes.integer("keepdims", 1));
            // 0 copies the batch size, -1 stands for M_1..M_(a-1)
            String head = g.int64s("phase_shape", 0, channels, strides[a], -1);
            String shape = g.node("Concat", List.of(head, size, rest), Attributes.integer("axis", 0));
            y = g.node(
                    "Transpose",
                    List.of(g.node("Reshape", List.of(y, shape))),
                    Attributes.ints("perm", 0, 1, 3, 4, 2, 5));
        }
        String shape =
                g.node("Concat", List.of(g.int64s("batch_channels", 0, co), upsampled), Attributes.integer("axis", 0));
        g.node("Reshape", List.of(y, shape), out);
    }

    /** The spatial sizes [M_1..M_r] of {@code x} (its axes after N and C), in the graph. */
    private static String spatial(GraphBuilder g, String x, int rank) {
        return g.node("Slice", List.of(g.node("Shape", List.of(x)), g.int64s("starts", 2), g.int64s("ends", 2 + rank)));
    }

    /** The output's spatial sizes [M_1·s_1..M_r·s_r]. */
    private static String upsampled(GraphBuilder g, long[] strides, String spatial) {
        return g.node("Mul", List.of(spatial, g.int64s("strides", strides)));
    }

    private static int product(Axis[] axes, ToIntFunction<Axis> size) {
        int product = 1;
        for (Axis a : axes) {
            product *= size.applyAsInt(a);
        }
        return product;
    }

    private static long[] kernelDims(Axis[] axes, int ci, int co) {
        long[] dims = new long[axes.length + 2];
        dims[0] = (long) co * product(axes, Axis::stride);
        dims[1] = ci;
        for (int a = 0; a < axes.length; a++) {
            dims[2 + a] = axes[a].size();
        }
        return dims;
    }

    /**
     * For each phase (row-major over the axes' strides) and each position of the new kernel, the flat index of the
     * original tap that lands there, or -1 (a zero).
     */
    private static int[] tapTable(Axis[] axes) {
        int rank = axes.length;
        int[] phase = new int[rank];
        int newVolume = product(axes, Axis::size);
        int phases = product(axes, Axis::stride);
        int[] table = new int[phases * newVolume];
        Arrays.fill(table, -1);
        for (int p = 0; p < phases; p++) {
            for (int a = rank - 1, rest = p; a >= 0; a--) {
                phase[a] = rest % axes[a].stride();
                rest /= axes[a].stride();
            }
            int[] count = new int[rank];
            int combos = 1;
            for (int a = 0; a < rank; a++) {
                count[a] = axes[a].taps()[phase[a]].length;
                combos *= count[a];
            }
            for (int c = 0; c < combos; c++) {
                int oldOffset = 0, newOffset = 0;
                for (int a = 0, rest = c; a < rank; a++) {
                    int stride = 1;
                    for (int b = a + 1; b < rank; b++) {
                        stride *= count[b];
                    }
                    int j = rest / stride;
                    rest %= stride;
                    oldOffset = oldOffset * axes[a].kernel() + axes[a].taps()[phase[a]][j];
                    newOffset = newOffset * axes[a].size() + axes[a].slots()[phase[a]][j];
                }
                table[p * newVolume + newOffset] = oldOffset;
            }
        }
        return table;
    }

    /** K[(o, φ), i, slot] = W[i, o, tap] for every phase's taps (the table); zero elsewhere. */
    private static float[] kernel(TensorProto weight, int[] table, int newVolume, int ci, int co) {
        float[] w = Tensors.floatValues(weight);
        int oldVolume = w.length / (ci * co);
        int phases = table.length / newVolume;
        float[] k = new float[co * ci * table.length];
        for (int o = 0; o < co; o++) {
            for (int p = 0; p < phases; p++) {
                for (int i = 0; i < ci; i++) {
                    for (int slot = 0; slot < newVolume; slot++) {
                        int tap = table[p * newVolume + slot];
                        if (tap >= 0) {
                            k[((o * phases + p) * ci + i) * newVolume + slot] = w[(i * co + o) * oldVolume + tap];
                        }
                    }
                }
            }
        }
        return k;
    }

    /**
     * The same kernel computed in the graph from a weight that is an input (a parameter being trained): a zero
     * appended to each filter's taps, a Gather by the tap table, and a transpose into K's layout.
     */
    private static String kernelInGraph(GraphBuilder g, String weight, int[] table, Axis[] axes, int ci, int co) {
        int newVolume = product(axes, Axis::size);
        int phases = table.length / newVolume;
        int oldVolume = product(axes, Axis::kernel);
        long[] indices = new long[table.length];
        for (int e = 0; e < table.length; e++) {
            indices[e] = table[e] >= 0 ? table[e] : oldVolume;
        }
        String flat = g.node("Reshape", List.of(weight, g.int64s("subpixel.taps", ci, co, oldVolume)));
        String withZero = g.node("Pad", List.of(flat, g.int64s("subpixel.zero_tap", 0, 0, 0, 0, 0, 1)));
        String gathered = g.node(
                "Gather",
                List.of(
                        withZero,
                        g.initializer(Tensors.int64s(g.fresh("subpixel.table"), indices).toBuilder()
                                .clearDims()
                                .addDims(phases)
                                .addDims(newVolume)
                                .build())),
                Attributes.integer("axis", 2));
        String arranged = g.node("Transpose", List.of(gathered), Attributes.ints("perm", 1, 2, 0, 3));
        return g.node("Reshape", List.of(arranged, g.int64s("subpixel.kernel_shape", kernelDims(axes, ci, co))));
    }
}
