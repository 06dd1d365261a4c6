package org.medlabel.ml.autodiff;

import static org.medlabel.ml.autodiff.ElementwiseGradients.dy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * Conv and ConvTranspose (any spatial rank, stride, padding and dilation; group 1), in the forms ML-SPIKE §4.1 found
 * fast in ONNX Runtime. Per axis, with kernel k, stride s, dilation d and pads (p, q), a Conv reads input
 * {@code o·s + t·d − p} for output o and tap t. Its input gradient is a Conv with the flipped, transposed kernel at
 * stride 1 and otherwise a ConvTranspose (which the graph optimiser turns into a sub-pixel Conv, since ORT's own
 * ConvTranspose is 8-30x slower); its weight gradient is a convolution of the input by the output gradient (batch and
 * channels swapped, the stride as dilation) or, on small outputs, one MatMul over the input's tap slices.
 */
final class ConvGradients {

    /**
     * Under {@code AUTO}, outputs up to this many voxels per sample of kernels up to {@link #SLICES_MAX_TAPS} taps take
     * the weight gradient by tap slices (one Slice per tap: a 16³ patch-embedding kernel would add 4096 nodes). Above
     * it the shifted windows are as fast or faster and hold a chunk instead of every tap's copy at once (deepgrow_2d's
     * 256 → 128 channels at 64²: 165 against 186 ms, and 0.6 GB of stacked slices; at 32² 77 against 73 ms, at 16² 125
     * against 76 ms).
     */
    private static final long SLICES_MAX_VOXELS = 1024;

    private static final long SLICES_MAX_TAPS = 27;

    /**
     * Under {@code AUTO}, layers with fewer input or output channels keep the dilated convolution: a MatMul with a
     * side of 1 or 2 is a matrix-vector product (1→16 at 96³ and 2→2 at 96³ were slower as windows).
     */
    private static final long WINDOWS_MIN_CHANNELS = 3;

    /**
     * What one chunk of shifted windows may hold, in bytes (its padded input rows and shifted output-gradient rows): a
     * larger layer is done in chunks of output rows, so that the padded copies stay small (deepedit's 32 channels at
     * 128³: 283 MB of padded input in one piece, 0.8 GB more at the step's peak than the dilated convolution).
     */
    private static final long WINDOWS_CHUNK_BYTES = 64L << 20;

    private ConvGradients() {}

    static void register(Map<String, GradientRule> rules) {
        rules.put("Conv", ConvGradients::conv);
        rules.put("ConvTranspose", ConvGradients::convTranspose);
    }

    /** One node's per-axis geometry. */
    private record Geometry(long[] kernel, long[] strides, long[] dilations, long[] padBegin, long[] padEnd) {

        static Geometry of(NodeProto n, long[] weightShape) {
            int rank = weightShape.length - 2;
            String autoPad = Attributes.string(n, "auto_pad", "NOTSET");
            if (Attributes.integer(n, "group", 1) != 1
                    || !(autoPad.equals("NOTSET") || autoPad.equals("VALID"))
                    || Attributes.ints(n, "output_shape", null) != null) {
                throw new UnsupportedOperatorException(n.getOpType() + " '" + n.getName()
                        + "' with groups, auto_pad or output_shape has no gradient rule (set explicit pads)");
            }
            long[] ones = new long[rank];
            Arrays.fill(ones, 1);
            long[] pads = Attributes.ints(n, "pads", new long[2 * rank]);
            return new Geometry(
                    Arrays.copyOfRange(weightShape, 2, weightShape.length),
                    Attributes.ints(n, "strides", ones),
                    Attributes.ints(n, "dilations", ones),
                    Arrays.copyOfRange(pads, 0, rank),
                    Arrays.copyOfRange(pads, rank, 2 * rank));
        }

        int rank() {
            return kernel.length;
        }

        int taps() {
            return (int) Arrays.stream(kernel).reduce(1, (p, q) -> p * q);
        }

        /** The extent the dilated kernel spans minus one: d·(k − 1). */
        long reach(int a) {
            return dilations[a] * (kernel[a] - 1);
        }
    }

    private static void conv(NodeProto n, Backward b) {
        String x = n.getInput(0);
        String w = n.getInput(1);
        Geometry geo = Geometry.of(n, b.shape(w));
        String dy = dy(n, b);
        addBiasGradient(n, b, dy);
        if (b.needs(x)) {
            b.add(x, convInputGradient(b, geo, x, w, dy));
        }
        if (b.needs(w)) {
            b.add(
                    w,
                    switch (weightForm(b, geo, Math.min(b.shape(x)[1], b.shape(dy)[1]), voxels(b, dy), true)) {
                        case TAP_SLICES -> weightByTapSlices(b, geo, x, dy, b.shape(w));
                        case SHIFTED_WINDOWS -> weightByShiftedWindows(b, geo, x, dy, b.shape(w));
                        default -> weightByDilatedConv(b, geo, x, dy);
                    });
        }
    }

    /**
     * The weight-gradient form for a layer: the graph's, resolved per layer under {@code AUTO}; forms a layer lacks
     * ({@code TAP_SLICES} for a ConvTranspose) fall back to the dilated convolution.
     */
    private static WeightGradient weightForm(
            Backward b, Geometry geo, long fewestChannels, long outputVoxels, boolean tapSlices) {
        WeightGradient form = b.weightGradient();
        if (form == WeightGradient.AUTO) {
            long taps = geo.taps();
            if (tapSlices && (taps == 1 || (taps <= SLICES_MAX_TAPS && outputVoxels <= SLICES_MAX_VOXELS))) {
                return WeightGradient.TAP_SLICES;
            }
            return taps <= SLICES_MAX_TAPS && fewestChannels >= WINDOWS_MIN_CHANNELS
                    ? WeightGradient.SHIFTED_WINDOWS
                    : WeightGradient.DILATED_CONV;
        }
        return form == WeightGradient.TAP_SLICES && !tapSlices ? WeightGradient.DILATED_CONV : form;
    }

    private static void addBiasGradient(NodeProto n, Backward b, String dy) {
        if (n.getInputCount() > 2 && b.needs(n.getInput(2))) {
            b.add(n.getInput(2), b.sum(dy, Backward.axesExcept(b.rank(dy), 1), false));
        }
    }

    private static String convInputGradient(Backward b, Geometry geo, String x, String w, String dy) {
        long[] xs = b.shape(x);
        long[] ys = b.shape(dy);
        int rank = geo.rank();
        boolean unitStride = Arrays.stream(geo.strides()).allMatch(s -> s == 1);
        long[] flippedPads = new long[2 * rank];
        for (int a = 0; a < rank; a++) {
            flippedPads[a] = geo.reach(a) - geo.padBegin()[a];
            flippedPads[rank + a] = geo.reach(a) - geo.padEnd()[a];
            unitStride &= flippedPads[a] >= 0 && flippedPads[rank + a] >= 0;
        }
        if (unitStride) {
            // dx[i] = Σ_t dy[i − t·d + p]·W[t]: a correlation with the kernel flipped and its channels swapped
            long[] spatial = LongStream.range(2, rank + 2).toArray();
            String flipped = b.reverse(b.transpose(w, swapFirstTwo(rank + 2)), spatial);
            return b.node(
                    xs,
                    "Conv",
                    List.of(dy, flipped),
                    Attributes.ints("pads", flippedPads),
                    Attributes.ints("dilations", geo.dilations()));
        }
        long[] outputPadding = new long[rank];
        for (int a = 0; a < rank; a++) {
            long covered = (ys[2 + a] - 1) * geo.strides()[a] - geo.padBegin()[a] - geo.padEnd()[a] + geo.reach(a) + 1;
            outputPadding[a] = xs[2 + a] - covered;
        }
        return b.node(
                xs,
                "ConvTranspose",
                List.of(dy, w),
                Attributes.ints("strides", geo.strides()),
                Attributes.ints("pads", concat(geo.padBegin(), geo.padEnd())),
                Attributes.ints("dilations", geo.dilations()),
                Attributes.ints("output_padding", outputPadding));
    }

    /**
     * W[ck, cd, t] = Σ_n Σ_o k[n, ck, o]·d[n, cd, o·s + t·dil − p] (a Conv: d = x, k = dy; a ConvTranspose: d = dy, k =
     * x) as a Conv of the data (as [Cd, N, ...]) with the kernel operand (as [Ck, N, ...]) for kernel, dilated by the
     * stride and strided by the dilation, cut to the kernel's extent.
     */
    private static String weightByDilatedConv(Backward b, Geometry geo, String data, String kernel) {
        long[] ds = b.shape(data);
        long[] ks = b.shape(kernel);
        int rank = geo.rank();
        long[] padEnd = new long[rank];
        for (int a = 0; a < rank; a++) {
            padEnd[a] =
                    Math.max(0, geo.reach(a) + geo.strides()[a] * (ks[2 + a] - 1) + 1 - ds[2 + a] - geo.padBegin()[a]);
        }
        String c = correlate(b, geo, swapBatchChannels(b, data), swapBatchChannels(b, kernel), geo.padBegin(), padEnd);
        return b.transpose(cutToKernel(b, c, geo), swapFirstTwo(rank + 2));
    }

    /**
     * dW as one MatMul: every tap's strided slice of the padded input, stacked to [N, taps·Ci, M], against dy as [N,
     * Co, M]. Cheaper than the dilated Conv where the output is small and the channels many.
     */
    private static String weightByTapSlices(Backward b, Geometry geo, String x, String dy, long[] weightShape) {
        long[] xs = b.shape(x);
        long[] ys = b.shape(dy);
        int rank = geo.rank();
        long batch = xs[0];
        long ci = xs[1];
        long co = ys[1];
        long voxels = Arrays.stream(ys).skip(2).reduce(1, (p, q) -> p * q);
        long[] pads = new long[2 * (rank + 2)];
        long[] paddedShape = xs.clone();
        for (int a = 0; a < rank; a++) {
            pads[2 + a] = geo.padBegin()[a];
            pads[rank + 4 + a] = geo.padEnd()[a];
            paddedShape[2 + a] += geo.padBegin()[a] + geo.padEnd()[a];
        }
        String padded = padded(b, x, pads, paddedShape);
        int taps = geo.taps();
        long[] spatial = LongStream.range(2, rank + 2).toArray();
        List<String> slices = new ArrayList<>();
        for (int t = 0; t < taps; t++) {
            long[] starts = new long[rank];
            long[] ends = new long[rank];
            for (int a = rank - 1, rest = t; a >= 0; a--) {
                long tap = rest % geo.kernel()[a];
                rest /= (int) geo.kernel()[a];
                starts[a] = tap * geo.dilations()[a];
                ends[a] = starts[a] + geo.strides()[a] * (ys[2 + a] - 1) + 1;
            }
            long[] sliceShape = xs.clone();
            System.arraycopy(ys, 2, sliceShape, 2, rank);
            String slice = b.node(
                    sliceShape,
                    "Slice",
                    List.of(padded, b.ints(starts), b.ints(ends), b.ints(spatial), b.ints(geo.strides())));
            slices.add(b.reshape(slice, new long[] {batch, 1, ci, voxels}));
        }
        String stacked = slices.size() == 1
                ? slices.get(0)
                : b.node(new long[] {batch, taps, ci, voxels}, "Concat", slices, Attributes.integer("axis", 1));
        String columns = b.transpose(b.reshape(stacked, new long[] {batch, taps * ci, voxels}), 0, 2, 1);
        String product = b.binary("MatMul", b.reshape(dy, new long[] {batch, co, voxels}), columns);
        String summed = batch == 1 ? product : b.sum(product, new long[] {0}, true);
        String byTap = b.transpose(b.reshape(summed, new long[] {co, taps, ci}), 0, 2, 1);
        return b.reshape(byTap, weightShape);
    }

    /**
     * A weight gradient as MatMuls over shifted windows: W[ck, cd, t] = Σ_n Σ_o k[n, ck, o]·d[n, cd, o·s + t·dil − p],
     * for a Conv with d = x and k = dy, for a ConvTranspose with d = dy and k = x. The padded data is split into its
     * s^rank phases (φ: every s-th element from φ on; one strided Slice each) so that tap t reads phase φ(t) = t·dil
     * mod s at o + q(t), q(t) = ⌊t·dil / s⌋. Each phase and the kernel operand are laid out flat on the same grid (the
     * kernel operand's extent plus the largest q per axis), where q(t) is a fixed offset: the tap's operand is one
     * contiguous Slice, no im2col. The kernel operand is zero-padded to the grid on every axis but the outermost (the
     * zeros cover the positions past each row), the phases get one extra plane on the outermost axis where an inner
     * axis has taps past the first, so that every tap's window fits. Large layers are done in chunks of rows
     * ({@link #WINDOWS_CHUNK_BYTES}).
     */
    private static String weightByShiftedWindows(
            Backward b, Geometry geo, String data, String kernel, long[] weightShape) {
        long[] ds = b.shape(data);
        long[] ks = b.shape(kernel);
        int rank = geo.rank();
        long rows = ks[2];
        long stride = geo.strides()[0];
        long dataRowBytes = Float.BYTES * ds[0] * ds[1] * stride;
        long kernelRowBytes = Float.BYTES * ks[0] * ks[1] * (geo.reach(rank - 1) / geo.strides()[rank - 1] + 1);
        for (int a = 1; a < rank; a++) {
            dataRowBytes *= ds[2 + a] + geo.padBegin()[a] + geo.padEnd()[a];
            kernelRowBytes *= ks[2 + a] + geo.reach(a) / geo.strides()[a];
        }
        long bytes = dataRowBytes * (rows + geo.reach(0) / stride + 1) + kernelRowBytes * rows;
        long chunks = Math.min(rows, Math.max(1, -Math.floorDiv(-bytes, WINDOWS_CHUNK_BYTES)));
        long perChunk = -Math.floorDiv(-rows, chunks);
        List<String> parts = new ArrayList<>();
        for (long from = 0; from < rows; from += perChunk) {
            parts.add(windowsChunk(b, geo, data, kernel, from, Math.min(rows, from + perChunk)));
        }
        long[] allShape = b.shape(parts.get(0)).clone();
        allShape[0] *= parts.size();
        String all =
                parts.size() == 1 ? parts.get(0) : b.node(allShape, "Concat", parts, Attributes.integer("axis", 0));
        String summed = allShape[0] == 1 ? all : b.sum(all, new long[] {0}, true);
        return b.reshape(summed, weightShape);
    }

    /**
     * The shifted windows of the kernel operand's rows [from, to) on the outermost axis (and the data rows they read):
     * [N, Ck, Cd, taps].
     */
    private static String windowsChunk(Backward b, Geometry geo, String data, String kernel, long from, long to) {
        long[] ds = b.shape(data);
        long[] ks = b.shape(kernel);
        int rank = geo.rank();
        long batch = ds[0];
        long[] strides = geo.strides();
        // the data rows the chunk reads, in the unpadded data's coordinates (the pads make up what lies outside)
        long low = strides[0] * from - geo.padBegin()[0];
        long high = low + strides[0] * (to - from + geo.reach(0) / strides[0] + 1);
        String dataRows = rows(b, data, Math.max(0, low), Math.min(ds[2], high));
        String kernelRows = rows(b, kernel, from, to);
        // a window reaching past the last row (an inner axis' offset) needs one extra plane of zeros
        boolean innerReach = IntStream.range(1, rank).anyMatch(a -> geo.reach(a) / strides[a] > 0);
        long[] phaseShape = new long[rank + 2];
        long[] dataPads = new long[2 * (rank + 2)];
        long[] paddedData = b.shape(dataRows).clone();
        long[] kernelPads = new long[2 * (rank + 2)];
        long[] paddedKernel = b.shape(kernelRows).clone();
        phaseShape[0] = batch;
        phaseShape[1] = ds[1];
        for (int a = 0; a < rank; a++) {
            long extent = paddedKernel[2 + a];
            long grid = extent + geo.reach(a) / strides[a];
            phaseShape[2 + a] = grid + (a == 0 && innerReach ? 1 : 0);
            dataPads[2 + a] = a == 0 ? Math.max(0, -low) : geo.padBegin()[a];
            dataPads[rank + 4 + a] = a == 0
                    ? Math.max(0, high - ds[2])
                    : Math.max(0, strides[a] * phaseShape[2 + a] - ds[2 + a] - geo.padBegin()[a]);
            paddedData[2 + a] += dataPads[2 + a] + dataPads[rank + 4 + a];
            kernelPads[rank + 4 + a] = a == 0 ? 0 : grid - extent;
            paddedKernel[2 + a] += kernelPads[rank + 4 + a];
        }
        long[] gridStride = new long[rank];
        gridStride[rank - 1] = 1;
        for (int a = rank - 2; a >= 0; a--) {
            gridStride[a] = gridStride[a + 1] * phaseShape[3 + a];
        }
        long phaseLength = phaseShape[2] * gridStride[0];
        long window = (to - from) * gridStride[0];
        String padded = padded(b, dataRows, dataPads, paddedData);
        String flatKernel =
                b.reshape(padded(b, kernelRows, kernelPads, paddedKernel), new long[] {batch, ks[1], window});
        long[] spatial = LongStream.range(2, rank + 2).toArray();
        Map<List<Long>, String> phases = new HashMap<>();
        // taps that differ only in their offset q on the innermost axis share one window: it is sliced once, and q
        // shifts the kernel operand instead (one Pad per q: at kernel 3, 9 window copies and 3 shifted ones, not 27)
        Map<List<Long>, List<Integer>> groups = new LinkedHashMap<>();
        long[] shifts = new long[geo.taps()];
        for (int t = 0; t < shifts.length; t++) {
            Long[] key = new Long[rank + 1];
            long base = 0;
            for (int a = rank - 1, rest = t; a >= 0; a--) {
                long read = rest % geo.kernel()[a] * geo.dilations()[a];
                rest /= (int) geo.kernel()[a];
                key[a] = read % strides[a];
                if (a == rank - 1) {
                    shifts[t] = read / strides[a];
                } else {
                    base += read / strides[a] * gridStride[a];
                }
            }
            key[rank] = base;
            groups.computeIfAbsent(List.of(key), k -> new ArrayList<>()).add(t);
        }
        long reach = geo.reach(rank - 1) / strides[rank - 1];
        List<String> shifted = new ArrayList<>();
        for (long q = 0; q <= reach; q++) {
            long[] pads = new long[6];
            pads[2] = q;
            pads[5] = reach - q;
            shifted.add(padded(b, flatKernel, pads, new long[] {batch, ks[1], window + reach}));
        }
        // where the kernel operand has no more channels than the data, a group with every shift takes one MatMul
        // of all shifts stacked (bench/weight_gradient_forms.py: 1.0-1.2x faster than one per shift; 0.66x where
        // the kernel operand has 3x the data's channels)
        String stack = reach > 0 && ks[1] <= ds[1]
                ? b.node(
                        new long[] {batch, (reach + 1) * ks[1], window + reach},
                        "Concat",
                        shifted,
                        Attributes.integer("axis", 1))
                : null;
        String[] products = new String[shifts.length];
        long[] productShape = {batch, ks[1], ds[1], 1};
        for (Map.Entry<List<Long>, List<Integer>> group : groups.entrySet()) {
            List<Long> key = group.getKey();
            String flatPhase = phases.computeIfAbsent(key.subList(0, rank), φ -> {
                long[] starts = φ.stream().mapToLong(Long::longValue).toArray();
                long[] ends = new long[rank];
                for (int a = 0; a < rank; a++) {
                    ends[a] = starts[a] + strides[a] * phaseShape[2 + a];
                }
                String every = Arrays.equals(paddedData, phaseShape)
                        ? padded
                        : b.node(
                                phaseShape,
                                "Slice",
                                List.of(padded, b.ints(starts), b.ints(ends), b.ints(spatial), b.ints(strides)));
                return b.reshape(every, new long[] {batch, ds[1], phaseLength});
            });
            long base = key.get(rank);
            String windowed = base == 0 && window + reach == phaseLength
                    ? flatPhase
                    : b.node(
                            new long[] {batch, ds[1], window + reach},
                            "Slice",
                            List.of(flatPhase, b.ints(base), b.ints(base + window + reach), b.ints(2)));
            // ORT fuses the Transpose into the MatMul (FusedMatMul, transB)
            String columns = b.transpose(windowed, 0, 2, 1);
            List<Integer> members = group.getValue();
            if (stack != null && members.size() == shifted.size()) {
                String product = b.binary("MatMul", stack, columns);
                for (int t : members) {
                    long row = shifts[t] * ks[1];
                    products[t] = b.reshape(
                            b.node(
                                    new long[] {batch, ks[1], ds[1]},
                                    "Slice",
                                    List.of(product, b.ints(row), b.ints(row + ks[1]), b.ints(1))),
                            productShape);
                }
            } else {
                for (int t : members) {
                    products[t] = b.reshape(b.binary("MatMul", shifted.get((int) shifts[t]), columns), productShape);
                }
            }
        }
        return products.length == 1
                ? products[0]
                : b.node(
                        new long[] {batch, ks[1], ds[1], products.length},
                        "Concat",
                        List.of(products),
                        Attributes.integer("axis", 3));
    }

    /** {@code x}'s rows [from, to) on its first spatial axis; {@code x} itself where that is all of them. */
    private static String rows(Backward b, String x, long from, long to) {
        long[] shape = b.shape(x).clone();
        if (from == 0 && to == shape[2]) {
            return x;
        }
        shape[2] = to - from;
        return b.node(shape, "Slice", List.of(x, b.ints(from), b.ints(to), b.ints(2)));
    }

    /** {@code x} zero-padded by ONNX {@code pads} to {@code shape}; {@code x} itself where nothing is padded. */
    private static String padded(Backward b, String x, long[] pads, long[] shape) {
        return Arrays.stream(pads).allMatch(p -> p == 0) ? x : b.node(shape, "Pad", List.of(x, b.ints(pads)));
    }

    private static void convTranspose(NodeProto n, Backward b) {
        String x = n.getInput(0);
        String w = n.getInput(1);
        Geometry geo = Geometry.of(n, b.shape(w));
        String dy = dy(n, b);
        addBiasGradient(n, b, dy);
        if (b.needs(x)) {
            // the adjoint of a transposed convolution is the convolution with the same geometry and weights
            b.add(
                    x,
                    b.node(
                            b.shape(x),
                            "Conv",
                            List.of(dy, w),
                            Attributes.ints("strides", geo.strides()),
                            Attributes.ints("pads", concat(geo.padBegin(), geo.padEnd())),
                            Attributes.ints("dilations", geo.dilations())));
        }
        if (b.needs(w)) {
            // dW[ci, co, t] = Σ_n Σ_i x[n, ci, i]·dy[n, co, i·s + t·d − p]: a Conv's weight gradient, dy as its data
            boolean windows = weightForm(b, geo, Math.min(b.shape(x)[1], b.shape(dy)[1]), voxels(b, x), false)
                    == WeightGradient.SHIFTED_WINDOWS;
            b.add(w, windows ? weightByShiftedWindows(b, geo, dy, x, b.shape(w)) : weightByDilatedConv(b, geo, dy, x));
        }
    }

    /** Conv of {@code data} by {@code kernel} with the node's stride as dilation and its dilation as stride. */
    private static String correlate(
            Backward b, Geometry geo, String data, String kernel, long[] padBegin, long[] padEnd) {
        long[] ds = b.shape(data);
        long[] ks = b.shape(kernel);
        int rank = geo.rank();
        long[] out = new long[rank + 2];
        out[0] = ds[0];
        out[1] = ks[0];
        for (int a = 0; a < rank; a++) {
            long span = geo.strides()[a] * (ks[2 + a] - 1) + 1;
            out[2 + a] = (ds[2 + a] + padBegin[a] + padEnd[a] - span) / geo.dilations()[a] + 1;
        }
        return b.node(
                out,
                "Conv",
                List.of(data, kernel),
                Attributes.ints("dilations", geo.strides()),
                Attributes.ints("strides", geo.dilations()),
                Attributes.ints("pads", concat(padBegin, padEnd)));
    }

    private static String cutToKernel(Backward b, String c, Geometry geo) {
        long[] cs = b.shape(c);
        int rank = geo.rank();
        if (Arrays.equals(Arrays.copyOfRange(cs, 2, rank + 2), geo.kernel())) {
            return c;
        }
        long[] shape = cs.clone();
        System.arraycopy(geo.kernel(), 0, shape, 2, rank);
        return b.node(
                shape,
                "Slice",
                List.of(
                        c,
                        b.ints(new long[rank]),
                        b.ints(geo.kernel()),
                        b.ints(LongStream.range(2, rank + 2).toArray())));
    }

    private static long voxels(Backward b, String value) {
        return Arrays.stream(b.shape(value)).skip(2).reduce(1, (p, q) -> p * q);
    }

    /** [N, C, ...] as [C, N, ...]; a free reshape when N is 1. */
    private static String swapBatchChannels(Backward b, String x) {
        long[] s = b.shape(x);
        if (s[0] == 1) {
            long[] swapped = s.clone();
            swapped[0] = s[1];
            swapped[1] = 1;
            return b.reshape(x, swapped);
        }
        return b.transpose(x, swapFirstTwo(s.length));
    }

    private static long[] swapFirstTwo(int rank) {
        long[] perm = LongStream.range(0, rank).toArray();
        perm[0] = 1;
        perm[1] = 0;
        return perm;
    }

    private static long[] concat(long[] a, long[] c) {
        long[] out = Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, out, a.length, c.length);
        return out;
    }
}
