package org.medlabel.imaging.transform;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Sliding-window inference independent of any engine, with the semantics of MONAI's
 * {@code sliding_window_inference}: windows of {@code roi} voxels step by {@code roi * (1 - overlap)} (at least 1),
 * the last window of each axis is moved back to end at the border, an image smaller than the window is padded with
 * {@code padValue} (half before, half after) and cropped back, and overlapping predictions are blended with a
 * constant or a Gaussian importance map (MONAI 1.5's: exp(−x²/(2σ²)) from the window's centre, sigma = roi / 8, clamped
 * below at its smallest value, at least 0.001). Patches go to the {@link Predictor} in batches.
 */
public final class SlidingWindow {

    /** Runs the model on a batch of patches. */
    @FunctionalInterface
    public interface Predictor {
        /**
         * @param patches each {@code channels * rx * ry * rz} values, channel-major, x fastest
         * @return one array per patch, {@code outChannels * rx * ry * rz} values in the same layout
         */
        float[][] predict(float[][] patches) throws Exception;
    }

    /** How overlapping windows are weighted. */
    public enum Blend {
        CONSTANT,
        GAUSSIAN
    }

    /** What stands beyond the image where it is smaller than the window: a constant, or its edge (MONAI's modes). */
    public enum Padding {
        CONSTANT,
        REPLICATE
    }

    private static final double SIGMA_SCALE = 0.125;

    private final int[] roi;
    private final double overlap;
    private final Blend blend;
    private final int batchSize;
    private final float padValue;
    private final Padding padding;

    public SlidingWindow(int rx, int ry, int rz, double overlap, Blend blend, int batchSize, float padValue) {
        this(rx, ry, rz, overlap, blend, batchSize, Padding.CONSTANT, padValue);
    }

    /** {@code padValue} is used with {@link Padding#CONSTANT} only. */
    public SlidingWindow(
            int rx, int ry, int rz, double overlap, Blend blend, int batchSize, Padding padding, float padValue) {
        if (rx < 1 || ry < 1 || rz < 1 || batchSize < 1 || !(overlap >= 0 && overlap < 1)) {
            throw new IllegalArgumentException("need roi >= 1, batch >= 1 and 0 <= overlap < 1");
        }
        this.roi = new int[] {rx, ry, rz};
        this.overlap = overlap;
        this.blend = blend;
        this.batchSize = batchSize;
        this.padValue = padValue;
        this.padding = padding;
    }

    /** The prediction on the image's grid (float32, as many channels as the predictor returns). */
    public Volume run(Volume image, Predictor predictor) throws Exception {
        int[] size = {image.nx(), image.ny(), image.nz()};
        int[] padded = new int[3];
        int[] before = new int[3];
        for (int a = 0; a < 3; a++) {
            padded[a] = Math.max(size[a], roi[a]);
            before[a] = (padded[a] - size[a]) / 2;
        }
        List<int[]> windows = windows(padded);
        float[] importance = importance();
        int channels = image.channels();
        int patchVoxels = roi[0] * roi[1] * roi[2];
        int paddedVoxels = padded[0] * padded[1] * padded[2];
        float[] sum = null;
        float[] weight = new float[paddedVoxels];
        int outChannels = -1;

        for (int first = 0; first < windows.size(); first += batchSize) {
            int count = Math.min(batchSize, windows.size() - first);
            float[][] batch = new float[count][];
            for (int b = 0; b < count; b++) {
                batch[b] = extract(image, windows.get(first + b), before, channels);
            }
            float[][] predictions = predictor.predict(batch);
            if (predictions == null || predictions.length != count) {
                throw new IllegalStateException("the predictor returned "
                        + (predictions == null ? 0 : predictions.length) + " patches for " + count);
            }
            for (int b = 0; b < count; b++) {
                float[] p = predictions[b];
                if (p.length % patchVoxels != 0 || p.length == 0) {
                    throw new IllegalStateException("a predicted patch has " + p.length
                            + " values, not a multiple of the window's " + patchVoxels);
                }
                if (outChannels < 0) {
                    outChannels = p.length / patchVoxels;
                    sum = new float[outChannels * paddedVoxels];
                } else if (p.length != outChannels * patchVoxels) {
                    throw new IllegalStateException("predicted patches differ in their number of channels");
                }
                accumulate(p, importance, windows.get(first + b), padded, sum, weight, outChannels);
            }
        }
        return crop(sum, weight, padded, before, size, outChannels, image);
    }

    /** Window start positions (x, y, z) over an image of {@code size}, in scan order (x fastest). */
    List<int[]> windows(int[] size) {
        int[][] starts = new int[3][];
        for (int a = 0; a < 3; a++) {
            starts[a] = starts(size[a], roi[a], overlap);
        }
        List<int[]> windows = new ArrayList<>();
        for (int z : starts[2]) {
            for (int y : starts[1]) {
                for (int x : starts[0]) {
                    windows.add(new int[] {x, y, z});
                }
            }
        }
        return windows;
    }

    /** MONAI's {@code dense_patch_slices} along one axis. */
    static int[] starts(int size, int roi, double overlap) {
        int interval = roi == size ? roi : Math.max((int) (roi * (1 - overlap)), 1);
        int count = 1;
        while ((count - 1) * interval + roi < size) {
            count++;
        }
        int[] starts = new int[count];
        for (int i = 0; i < count; i++) {
            starts[i] = Math.min(i * interval, size - roi);
        }
        return starts;
    }

    /** The window's voxels, channel-major, x fastest; {@code padValue} outside the image. Copied row by row. */
    private float[] extract(Volume image, int[] start, int[] before, int channels) {
        int rx = roi[0], ry = roi[1], rz = roi[2];
        float[] patch = new float[channels * rx * ry * rz];
        float[] source = image.voxels() instanceof VoxelBuffer.Float32 f ? f.array() : null;
        int x0 = start[0] - before[0];
        // the part of each row inside the image: [from, to) of the window's x
        int from = Math.max(0, -x0);
        int to = Math.min(rx, image.nx() - x0);
        int i = 0;
        for (int c = 0; c < channels; c++) {
            for (int z = 0; z < rz; z++) {
                int iz = start[2] + z - before[2];
                for (int y = 0; y < ry; y++, i += rx) {
                    int iy = start[1] + y - before[1];
                    if (padding == Padding.REPLICATE) {
                        iy = Math.max(0, Math.min(image.ny() - 1, iy));
                        iz = Math.max(0, Math.min(image.nz() - 1, iz));
                    }
                    if (iy < 0 || iz < 0 || iy >= image.ny() || iz >= image.nz() || from >= to) {
                        Arrays.fill(patch, i, i + rx, padValue);
                        continue;
                    }
                    boolean edge = padding == Padding.REPLICATE;
                    Arrays.fill(patch, i, i + from, edge ? (float) image.get(0, iy, iz, c) : padValue);
                    Arrays.fill(patch, i + to, i + rx, edge ? (float) image.get(image.nx() - 1, iy, iz, c) : padValue);
                    int row = image.index(x0 + from, iy, iz, c);
                    if (source != null) {
                        System.arraycopy(source, row, patch, i + from, to - from);
                    } else {
                        for (int x = from; x < to; x++) {
                            patch[i + x] = (float) image.voxels().get(row + x - from);
                        }
                    }
                }
            }
        }
        return patch;
    }

    /** Adds a prediction, weighted by the importance map, into the sums; row by row, channel by channel. */
    private void accumulate(
            float[] p, float[] importance, int[] start, int[] padded, float[] sum, float[] weight, int outChannels) {
        int rx = roi[0], ry = roi[1], rz = roi[2];
        int paddedVoxels = padded[0] * padded[1] * padded[2];
        int patchVoxels = rx * ry * rz;
        boolean constant = blend == Blend.CONSTANT;
        for (int z = 0, k = 0; z < rz; z++) {
            for (int y = 0; y < ry; y++, k += rx) {
                int row = ((start[2] + z) * padded[1] + start[1] + y) * padded[0] + start[0];
                for (int x = 0; x < rx; x++) {
                    weight[row + x] += importance[k + x];
                }
                for (int c = 0; c < outChannels; c++) {
                    int to = c * paddedVoxels + row;
                    int from = c * patchVoxels + k;
                    if (constant) { // the weights are all 1: the same sums without the products
                        for (int x = 0; x < rx; x++) {
                            sum[to + x] += p[from + x];
                        }
                    } else {
                        for (int x = 0; x < rx; x++) {
                            sum[to + x] += p[from + x] * importance[k + x];
                        }
                    }
                }
            }
        }
    }

    private Volume crop(
            float[] sum, float[] weight, int[] padded, int[] before, int[] size, int outChannels, Volume image) {
        int n = size[0] * size[1] * size[2];
        int paddedVoxels = padded[0] * padded[1] * padded[2];
        float[] out = new float[outChannels * n];
        for (int c = 0, i = 0; c < outChannels; c++) {
            for (int z = 0; z < size[2]; z++) {
                for (int y = 0; y < size[1]; y++) {
                    int row = ((z + before[2]) * padded[1] + y + before[1]) * padded[0] + before[0];
                    for (int x = 0; x < size[0]; x++, i++) {
                        out[i] = sum[c * paddedVoxels + row + x] / weight[row + x];
                    }
                }
            }
        }
        return new Volume(size[0], size[1], size[2], outChannels, image.affine(), new VoxelBuffer.Float32(out));
    }

    /** The weight of each position inside a window, x fastest. */
    private float[] importance() {
        int rx = roi[0], ry = roi[1], rz = roi[2];
        float[] map = new float[rx * ry * rz];
        if (blend == Blend.CONSTANT) {
            Arrays.fill(map, 1f);
            return map;
        }
        double[][] k = {gaussian(rx), gaussian(ry), gaussian(rz)};
        float min = Float.MAX_VALUE;
        for (int z = 0, i = 0; z < rz; z++) {
            for (int y = 0; y < ry; y++) {
                for (int x = 0; x < rx; x++, i++) {
                    map[i] = (float) (k[0][x] * k[1][y] * k[2][z]);
                    min = Math.min(min, map[i]);
                }
            }
        }
        float floor = Math.max(min, 1e-3f);
        for (int i = 0; i < map.length; i++) {
            map[i] = Math.max(map[i], floor);
        }
        return map;
    }

    /**
     * MONAI's (1.5) Gaussian weights along an axis of {@code n} voxels: exp(−x²/(2σ²)) at x = −(n−1)/2 ... (n−1)/2
     * around the window's centre, σ = n / 8; not normalised (an even window has no voxel at its centre).
     */
    private static double[] gaussian(int n) {
        double sigma = n * SIGMA_SCALE;
        double[] k = new double[n];
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) / 2.0;
            k[i] = Math.exp(x * x / (-2 * sigma * sigma));
        }
        return k;
    }
}
