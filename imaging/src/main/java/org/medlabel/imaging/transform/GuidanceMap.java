package org.medlabel.imaging.transform;

import java.util.List;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Click guidance as DeepGrow and DeepEdit feed it to their networks (MONAI's {@code AddGuidanceSignald}): one channel
 * per set of clicks (e.g. foreground, background), a unit impulse at each click (coordinates truncated to voxels and
 * clamped to the image; negative coordinates skipped), smoothed by MONAI's Gaussian filter (the integral of the normal
 * density over each voxel, truncated at 4 sigma, zero beyond the image) and min-max scaled to 0..1. A channel without
 * clicks stays 0. Computed as a sum of separable kernels around each click, which equals the convolution of the
 * impulses but touches only the voxels near the clicks.
 */
public final class GuidanceMap {

    private final double sigma;

    /** {@code sigma} in voxels (MONAI's default is 2). */
    public GuidanceMap(double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("sigma must be positive, was " + sigma);
        }
        this.sigma = sigma;
    }

    /**
     * @param image the grid the guidance is for (its size and affine are used, not its values)
     * @param clickSets per channel, the clicks as voxel coordinates {x, y, z}
     */
    public Volume apply(Volume image, List<List<double[]>> clickSets) {
        int nx = image.nx(), ny = image.ny(), nz = image.nz(), n = image.voxelCount();
        float[] out = new float[clickSets.size() * n];
        double[] kernel = GaussianSmooth.kernel(sigma);
        int tail = kernel.length / 2;
        for (int c = 0; c < clickSets.size(); c++) {
            int base = c * n;
            boolean any = false;
            for (double[] click : clickSets.get(c)) {
                if (click[0] < 0 || click[1] < 0 || click[2] < 0) {
                    continue;
                }
                any = true;
                int px = Math.min((int) click[0], nx - 1), py = Math.min((int) click[1], ny - 1);
                int pz = Math.min((int) click[2], nz - 1);
                for (int z = Math.max(0, pz - tail); z <= Math.min(nz - 1, pz + tail); z++) {
                    double kz = kernel[z - pz + tail];
                    for (int y = Math.max(0, py - tail); y <= Math.min(ny - 1, py + tail); y++) {
                        double kzy = kz * kernel[y - py + tail];
                        int row = base + (z * ny + y) * nx;
                        for (int x = Math.max(0, px - tail); x <= Math.min(nx - 1, px + tail); x++) {
                            out[row + x] += (float) (kzy * kernel[x - px + tail]);
                        }
                    }
                }
            }
            if (any) {
                scale(out, base, n);
            }
        }
        return new Volume(nx, ny, nz, clickSets.size(), image.affine(), new VoxelBuffer.Float32(out));
    }

    private static void scale(float[] v, int from, int n) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int i = from; i < from + n; i++) { // comparisons: Math.min/max's NaN rules cost more per voxel
            min = v[i] < min ? v[i] : min;
            max = v[i] > max ? v[i] : max;
        }
        float range = max - min;
        for (int i = from; i < from + n; i++) {
            v[i] = range > 0 ? (v[i] - min) / range : 0;
        }
    }
}
