package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code NormalizeIntensity(nonzero, channel_wise)}: (x − mean) / std with the volume's own mean and population
 * standard deviation, over all voxels or, with {@code nonzero}, over the non-zero ones only (zeros stay 0); with
 * {@code channelWise} each channel (MR sequence) by its own statistics, else all channels together. A standard
 * deviation of 0 divides by 1, as MONAI does. Statistics in double precision, result float32.
 */
public final class NormalizeIntensity {

    private final boolean nonzero;
    private final boolean channelWise;

    public NormalizeIntensity(boolean nonzero, boolean channelWise) {
        this.nonzero = nonzero;
        this.channelWise = channelWise;
    }

    public Volume apply(Volume in) {
        VoxelBuffer src = in.voxels();
        int n = src.length();
        float[] values = src instanceof VoxelBuffer.Float32 f ? f.array() : src.floats(0, n);
        float[] out = new float[n];
        int part = channelWise ? in.voxelCount() : n;
        for (int from = 0; from < n; from += part) {
            normalize(values, out, from, from + part);
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }

    private void normalize(float[] values, float[] out, int from, int to) {
        double sum = 0;
        long count = 0;
        for (int i = from; i < to; i++) {
            if (!nonzero || values[i] != 0) {
                sum += values[i];
                count++;
            }
        }
        if (count == 0) {
            return;
        }
        double mean = sum / count;
        double squares = 0;
        for (int i = from; i < to; i++) {
            if (!nonzero || values[i] != 0) {
                squares += (values[i] - mean) * (values[i] - mean);
            }
        }
        double std = Math.sqrt(squares / count);
        float m = (float) mean;
        float s = std == 0 ? 1f : (float) std;
        for (int i = from; i < to; i++) {
            out[i] = !nonzero || values[i] != 0 ? (values[i] - m) / s : 0f;
        }
    }
}
