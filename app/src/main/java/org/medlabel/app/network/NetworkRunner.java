package org.medlabel.app.network;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.medlabel.app.config.Inferer;
import org.medlabel.imaging.transform.SlidingWindow;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Runs a network on a volume ([C, z, y, x] as ONNX [1, C, D, H, W], x fastest either way): one pass over the whole
 * volume (padded up to a multiple of {@link #DIVISOR}, then cropped back), MONAI-style sliding windows, or windows
 * {@link WindowPlan fitted} to the volume.
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
            return windows(session, input, r, WindowPlan.OVERLAP, cancellation);
        }
        if (inferer.slidingWindow()) {
            var roi = inferer.roi();
            double overlap = inferer.overlap() == null ? 0.25 : inferer.overlap();
            return windows(session, input, new int[] {roi.get(0), roi.get(1), roi.get(2)}, overlap, cancellation);
        }
        return whole(session, input, cancellation);
    }

    private static Volume windows(OrtSession session, Volume input, int[] r, double overlap, Cancellation cancellation)
            throws Exception {
        SlidingWindow window = new SlidingWindow(r[0], r[1], r[2], overlap, SlidingWindow.Blend.CONSTANT, 1, 0f);
        return window.run(input, patches -> {
            float[][] out = new float[patches.length][];
            for (int i = 0; i < patches.length; i++) {
                out[i] = run(session, patches[i], input.channels(), r[0], r[1], r[2], cancellation);
            }
            return out;
        });
    }

    private static Volume whole(OrtSession session, Volume input, Cancellation cancellation) throws OrtException {
        int[] size = {input.nx(), input.ny(), input.nz()};
        int[] padded = new int[3];
        for (int a = 0; a < 3; a++) {
            padded[a] = (size[a] + DIVISOR - 1) / DIVISOR * DIVISOR;
        }
        int c = input.channels();
        float[] values = new float[c * padded[0] * padded[1] * padded[2]];
        for (int ch = 0; ch < c; ch++) {
            float[] src = input.voxels().floats(ch * input.voxelCount(), input.voxelCount());
            for (int z = 0; z < size[2]; z++) {
                for (int y = 0; y < size[1]; y++) {
                    System.arraycopy(
                            src,
                            (z * size[1] + y) * size[0],
                            values,
                            ((ch * padded[2] + z) * padded[1] + y) * padded[0],
                            size[0]);
                }
            }
        }
        float[] out = run(session, values, c, padded[0], padded[1], padded[2], cancellation);
        int outChannels = out.length / (padded[0] * padded[1] * padded[2]);
        float[] cropped = new float[outChannels * input.voxelCount()];
        for (int ch = 0; ch < outChannels; ch++) {
            for (int z = 0; z < size[2]; z++) {
                for (int y = 0; y < size[1]; y++) {
                    System.arraycopy(
                            out,
                            ((ch * padded[2] + z) * padded[1] + y) * padded[0],
                            cropped,
                            ((ch * size[2] + z) * size[1] + y) * size[0],
                            size[0]);
                }
            }
        }
        return new Volume(size[0], size[1], size[2], outChannels, input.affine(), new VoxelBuffer.Float32(cropped));
    }

    /** One forward pass of a [1, c, z, y, x] tensor; the first output's values. */
    private static float[] run(
            OrtSession session, float[] values, int c, int x, int y, int z, Cancellation cancellation)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ByteBuffer direct = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        direct.asFloatBuffer().put(values);
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, direct.asFloatBuffer(), new long[] {1, c, z, y, x});
                OrtSession.Result result = cancellation.run(
                        session, Map.of(session.getInputNames().iterator().next(), tensor))) {
            FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[buffer.remaining()];
            buffer.get(out);
            return out;
        }
    }
}
