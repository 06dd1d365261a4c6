package org.medlabel.app.network;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.medlabel.app.config.Inferer;
import org.medlabel.imaging.transform.SlidingWindow;
import org.medlabel.imaging.transform.SlidingWindow.Blend;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.ml.runtime.Cancellation;

/**
 * Runs a network on a volume ([C, z, y, x] as ONNX [1, C, D, H, W], x fastest either way): one pass over the whole
 * volume (padded up to a multiple of {@link #DIVISOR}, then cropped back), MONAI-style sliding windows, or windows
 * {@link WindowPlan fitted} to the volume. A 2-D network (input [N, C, H, W]) takes a one-slice volume whole: the same
 * values in the same order, without the D axis.
 */
public final class NetworkRunner {

    /** What the networks here divide sizes by: 4 stride-2 levels (UNet, BasicUNet) or 16³ patches (UNETR). */
    static final int DIVISOR = 16;

    private NetworkRunner() {}

    /**
     * The network's first output for {@code input} as {@code inferer} says.
     *
     * @throws IllegalArgumentException when a fitted inferer cannot cover the volume within its window budget
     */
    public static Volume run(OrtSession session, Volume input, Inferer inferer) throws Exception {
        return run(session, input, inferer, Cancellation.NONE);
    }

    /**
     * As {@link #run(OrtSession, Volume, Inferer)}, stopped by {@code cancellation}: the pass in progress ends between
     * operators and no further window starts.
     *
     * @throws Cancellation.CancelledException when cancelled before the last pass finished
     */
    public static Volume run(OrtSession session, Volume input, Inferer inferer, Cancellation cancellation)
            throws Exception {
        if (inferer.fitted()) {
            int[] r = WindowPlan.fit(new int[] {input.nx(), input.ny(), input.nz()}, inferer.maxWindowVoxels());
            return windows(
                    session,
                    input,
                    new SlidingWindow(r[0], r[1], r[2], WindowPlan.OVERLAP, Blend.CONSTANT, 1, 0f),
                    r,
                    cancellation);
        }
        if (inferer.slidingWindow()) {
            var roi = inferer.roi();
            double overlap = inferer.overlap() == null ? 0.25 : inferer.overlap();
            int[] r = {roi.get(0), roi.get(1), roi.get(2)};
            SlidingWindow window = new SlidingWindow(
                    r[0],
                    r[1],
                    r[2],
                    overlap,
                    inferer.gaussian() ? Blend.GAUSSIAN : Blend.CONSTANT,
                    1,
                    inferer.replicatePadding() ? SlidingWindow.Padding.REPLICATE : SlidingWindow.Padding.CONSTANT,
                    0f);
            return windows(session, input, window, r, cancellation);
        }
        return whole(session, input, cancellation);
    }

    private static Volume windows(
            OrtSession session, Volume input, SlidingWindow window, int[] r, Cancellation cancellation)
            throws Exception {
        int c = input.channels();
        // one window at a time, each blended before the next runs: one output array serves them all
        float[][] out = new float[1][];
        return window.run(input, patches -> {
            float[] patch = patches[0];
            out[0] = pass(
                    session,
                    new int[] {c, r[2], r[1], r[0]},
                    in -> in.put(0, patch),
                    (o, channels) -> {
                        float[] values =
                                out[0] != null && out[0].length == o.capacity() ? out[0] : new float[o.capacity()];
                        o.get(0, values);
                        return values;
                    },
                    cancellation);
            return out;
        });
    }

    /** One pass over the volume padded up to multiples of {@link #DIVISOR}, the output cropped back. */
    private static Volume whole(OrtSession session, Volume input, Cancellation cancellation) throws OrtException {
        int[] size = {input.nx(), input.ny(), input.nz()};
        int[] padded = new int[3];
        for (int a = 0; a < 3; a++) {
            padded[a] = (size[a] + DIVISOR - 1) / DIVISOR * DIVISOR;
        }
        if (spatialRank(session.getInputInfo()) == 2) {
            padded[2] = size[2]; // no D axis to pad: pass() takes only one slice
        }
        int c = input.channels();
        return pass(
                session,
                new int[] {c, padded[2], padded[1], padded[0]},
                in -> {
                    if (!Arrays.equals(size, padded)) {
                        DirectBuffers.zero(in); // the padding; a window or an unpadded volume covers every value
                    }
                    for (int ch = 0; ch < c; ch++) {
                        float[] src = input.voxels().floats(ch * input.voxelCount(), input.voxelCount());
                        for (int z = 0; z < size[2]; z++) {
                            for (int y = 0; y < size[1]; y++) {
                                in.put(
                                        ((ch * padded[2] + z) * padded[1] + y) * padded[0],
                                        src,
                                        (z * size[1] + y) * size[0],
                                        size[0]);
                            }
                        }
                    }
                },
                (out, outChannels) -> {
                    float[] cropped = new float[outChannels * input.voxelCount()];
                    for (int ch = 0; ch < outChannels; ch++) {
                        for (int z = 0; z < size[2]; z++) {
                            for (int y = 0; y < size[1]; y++) {
                                out.get(
                                        ((ch * padded[2] + z) * padded[1] + y) * padded[0],
                                        cropped,
                                        ((ch * size[2] + z) * size[1] + y) * size[0],
                                        size[0]);
                            }
                        }
                    }
                    return new Volume(
                            size[0], size[1], size[2], outChannels, input.affine(), new VoxelBuffer.Float32(cropped));
                },
                cancellation);
    }

    /**
     * One forward pass of a [1, c, z, y, x] tensor ({@code shape} = c, z, y, x) whose every value {@code fill} writes;
     * the first output (its channels, the same z, y, x) handed to {@code read}. Input and output live in this thread's
     * direct buffers, reused from pass to pass, and the output is pinned so that ONNX Runtime writes it there: a pass
     * puts no volume-sized array on the heap besides what {@code read} makes (ONNX Runtime's own output copy was two
     * more, and on a 2-core machine the collections they caused cost more than the resampling).
     */
    private static <T> T pass(
            OrtSession session,
            int[] shape,
            Consumer<FloatBuffer> fill,
            BiFunction<FloatBuffer, Integer, T> read,
            Cancellation cancellation)
            throws OrtException {
        int voxels = shape[1] * shape[2] * shape[3];
        int outChannels = outputChannels(session);
        FloatBuffer in = DirectBuffers.reused(0, shape[0] * voxels);
        fill.accept(in);
        FloatBuffer out = DirectBuffers.reused(1, outChannels * voxels);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String output = session.getOutputNames().iterator().next();
        boolean flat = spatialRank(session.getInputInfo()) == 2;
        if (flat && shape[1] != 1) {
            throw new IllegalArgumentException("a 2-D network takes one slice at a time, not " + shape[1]);
        }
        try (OnnxTensor input = OnnxTensor.createTensor(env, in, dims(flat, shape[0], shape));
                OnnxTensor pinned = OnnxTensor.createTensor(env, out, dims(flat, outChannels, shape));
                OrtSession.Result result = cancellation.run(
                        session, Map.of(session.getInputNames().iterator().next(), input), output, pinned)) {
            return read.apply(out, outChannels);
        }
    }

    /** [1, channels, z, y, x], or [1, channels, y, x] for a 2-D network ({@code shape}: c, z, y, x; z = 1). */
    private static long[] dims(boolean flat, int channels, int[] shape) {
        return flat
                ? new long[] {1, channels, shape[2], shape[3]}
                : new long[] {1, channels, shape[1], shape[2], shape[3]};
    }

    /** The spatial axes of the network's first input or output: 3 ([N, C, D, H, W]) or 2 ([N, C, H, W]). */
    private static int spatialRank(Map<String, NodeInfo> values) {
        return shape(values).length - 2;
    }

    /** The channel count of the network's first output, which these networks fix. */
    private static int outputChannels(OrtSession session) throws OrtException {
        long channels = shape(session.getOutputInfo())[1];
        if (channels <= 0) {
            throw new IllegalArgumentException("the network's first output must have a fixed channel count");
        }
        return (int) channels;
    }

    private static long[] shape(Map<String, NodeInfo> values) {
        NodeInfo first = values.values().iterator().next();
        long[] dims = first.getInfo() instanceof TensorInfo t ? t.getShape() : new long[0];
        if (dims.length != 4 && dims.length != 5) {
            throw new IllegalArgumentException(
                    "the network's tensors must be [N, C, D, H, W] or [N, C, H, W], not " + Arrays.toString(dims));
        }
        return dims;
    }
}
