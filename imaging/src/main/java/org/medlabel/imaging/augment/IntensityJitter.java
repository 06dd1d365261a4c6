package org.medlabel.imaging.augment;

import java.util.random.RandomGenerator;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * MONAI's {@code RandScaleIntensity} then {@code RandShiftIntensity} in one step: with probability p, every voxel
 * becomes {@code v * (1 + f) + o}, with f ~ U(-scale, scale) and o ~ U(-shift, shift) drawn once per volume (all
 * channels alike, MONAI's {@code channel_wise=False}). The offset is absolute, in the image's units, as MONAI's
 * {@code offsets} (not a multiple of the image's standard deviation), so it belongs after normalisation. For MONAI's
 * separate probabilities chain two, e.g. {@code (0.1, 0, 0.1)} then {@code (0, 0.1, 0.5)}. Result float32; an
 * unchanged float32 input is returned as it is.
 */
public final class IntensityJitter {

    private final double scale;
    private final double shift;
    private final double probability;

    public IntensityJitter(double scale, double shift, double probability) {
        if (!(scale >= 0 && shift >= 0 && Double.isFinite(scale + shift))) {
            throw new IllegalArgumentException("scale and shift must be finite and >= 0, were " + scale + ", " + shift);
        }
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], was " + probability);
        }
        this.scale = scale;
        this.shift = shift;
        this.probability = probability;
    }

    public Volume apply(Volume in, RandomGenerator random) {
        boolean jitter = random.nextDouble() < probability;
        if (!jitter && in.type() == VoxelType.FLOAT32) {
            return in;
        }
        double gain = jitter ? 1 + uniform(random, scale) : 1;
        double offset = jitter ? uniform(random, shift) : 0;
        VoxelBuffer src = in.voxels();
        float[] out = new float[src.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (src.get(i) * gain + offset);
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }

    /** U(-half, half); drawn even when half is 0, so that the sequence of draws does not depend on the settings. */
    private static double uniform(RandomGenerator random, double half) {
        return (2 * random.nextDouble() - 1) * half;
    }
}
