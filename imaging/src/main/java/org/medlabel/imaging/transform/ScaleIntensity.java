package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code ScaleIntensity(minv, maxv)}: the volume's own range [min, max] mapped linearly onto [minv, maxv]
 * (MONAI's {@code rescale_array}); a constant volume becomes {@code value * minv}, as MONAI does. Result float32.
 */
public final class ScaleIntensity {

    private final double minv;
    private final double maxv;

    public ScaleIntensity(double minv, double maxv) {
        this.minv = minv;
        this.maxv = maxv;
    }

    public Volume apply(Volume in) {
        VoxelBuffer src = in.voxels();
        int n = src.length();
        float[] values = src instanceof VoxelBuffer.Float32 f ? f.array() : src.floats(0, n);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        float[] out = new float[n];
        if (lo == hi) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (values[i] * minv);
            }
        } else {
            // float32 steps in MONAI's order: (x - min) / (max - min), then * (maxv - minv) + minv
            float min = (float) lo;
            float range = (float) (hi - lo);
            float span = (float) (maxv - minv);
            float base = (float) minv;
            for (int i = 0; i < n; i++) {
                out[i] = (values[i] - min) / range * span + base;
            }
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }
}
