package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code NormalizeIntensity(nonzero)} for one channel: (x − mean) / std with the volume's own mean and population
 * standard deviation, over all voxels or, with {@code nonzero}, over the non-zero ones only (zeros stay 0); a standard
 * deviation of 0 divides by 1, as MONAI does. Statistics in double precision, result float32.
 */
public final class NormalizeIntensity {

    private final boolean nonzero;

    public NormalizeIntensity(boolean nonzero) {
        this.nonzero = nonzero;
    }

    public Volume apply(Volume in) {
        VoxelBuffer src = in.voxels();
        int n = src.length();
        float[] values = src instanceof VoxelBuffer.Float32 f ? f.array() : src.floats(0, n);
        double sum = 0;
        long count = 0;
        for (float v : values) {
            if (!nonzero || v != 0) {
                sum += v;
                count++;
            }
        }
        float[] out = new float[n];
        if (count == 0) {
            return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
        }
        double mean = sum / count;
        double squares = 0;
        for (float v : values) {
            if (!nonzero || v != 0) {
                squares += (v - mean) * (v - mean);
            }
        }
        double std = Math.sqrt(squares / count);
        float m = (float) mean;
        float s = std == 0 ? 1f : (float) std;
        for (int i = 0; i < n; i++) {
            out[i] = !nonzero || values[i] != 0 ? (values[i] - m) / s : 0f;
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }
}
