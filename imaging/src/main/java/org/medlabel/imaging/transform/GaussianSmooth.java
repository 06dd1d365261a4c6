package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code GaussianSmooth(sigma)} (its {@code GaussianFilter}, default {@code approx="erf"}): each channel
 * convolved along x, y and z with the integral of the normal density over each voxel, truncated at 4 sigma, zero
 * beyond the image (MONAI pads with zeros, so the edges darken). {@code sigma} is in voxels, the same on every axis.
 * Result float32.
 */
public final class GaussianSmooth {

    private final double[] kernel;

    public GaussianSmooth(double sigma) {
        this.kernel = kernel(sigma);
    }

    /** MONAI's {@code gaussian_1d(sigma, truncated=4.0, approx="erf")}: 2·tail + 1 taps, not renormalised. */
    static double[] kernel(double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("sigma must be positive, was " + sigma);
        }
        int tail = (int) Math.floor(Math.max(sigma * 4, 0.5) + 0.5);
        double[] k = new double[2 * tail + 1];
        double s = sigma * Math.sqrt(2);
        for (int d = -tail; d <= tail; d++) {
            k[d + tail] = Math.max(0, 0.5 * (Erf.erf((d + 0.5) / s) - Erf.erf((d - 0.5) / s)));
        }
        return k;
    }

    public Volume apply(Volume in) {
        int[] dims = {in.nx(), in.ny(), in.nz()};
        int n = in.voxelCount();
        float[] values = new float[in.channels() * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) in.voxels().get(i);
        }
        float[] line = new float[Math.max(dims[0], Math.max(dims[1], dims[2]))];
        for (int c = 0; c < in.channels(); c++) {
            for (int axis = 0; axis < 3; axis++) {
                convolve(values, c * n, dims, axis, line);
            }
        }
        return new Volume(dims[0], dims[1], dims[2], in.channels(), in.affine(), new VoxelBuffer.Float32(values));
    }

    /** One axis of one channel in place: every line along {@code axis} convolved with the kernel, zeros outside. */
    private void convolve(float[] v, int base, int[] dims, int axis, float[] line) {
        int len = dims[axis];
        int stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
        int tail = kernel.length / 2;
        int lines = dims[0] * dims[1] * dims[2] / len;
        for (int l = 0; l < lines; l++) {
            // the l-th line's first voxel: positions before the axis vary fastest, those after it slowest
            int start = base + (l % stride) + (l / stride) * stride * len;
            for (int i = 0; i < len; i++) {
                line[i] = v[start + i * stride];
            }
            for (int i = 0; i < len; i++) {
                double sum = 0;
                for (int t = Math.max(-tail, -i); t <= Math.min(tail, len - 1 - i); t++) {
                    sum += kernel[t + tail] * line[i + t];
                }
                v[start + i * stride] = (float) sum;
            }
        }
    }
}
