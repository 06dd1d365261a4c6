package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code NormalizeIntensity} with its defaults: subtract the mean and divide by the (population) standard
 * deviation of all voxels, or only of the non-zero ones ({@code nonzero}, which also leaves zeros at zero). A
 * constant image is only shifted. Sums in double precision. Result float32.
 */
public final class ZScore {

    private final boolean nonzero;

    public ZScore(boolean nonzero) {
        this.nonzero = nonzero;
    }

    public Volume apply(Volume in) {
        VoxelBuffer src = in.voxels();
        double sum = 0, sumSq = 0;
        long n = 0;
        for (int i = 0; i < src.length(); i++) {
            double v = src.get(i);
            if (!nonzero || v != 0) {
                sum += v;
                sumSq += v * v;
                n++;
            }
        }
        double mean = n == 0 ? 0 : sum / n;
        double variance = n == 0 ? 0 : Math.max(0, sumSq / n - mean * mean);
        double std = Math.sqrt(variance);
        double divisor = std == 0 ? 1 : std;
        float[] out = new float[src.length()];
        for (int i = 0; i < out.length; i++) {
            double v = src.get(i);
            out[i] = nonzero && v == 0 ? 0 : (float) ((v - mean) / divisor);
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }
}
