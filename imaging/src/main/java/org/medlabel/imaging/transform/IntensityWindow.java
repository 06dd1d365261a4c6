package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code ScaleIntensityRange}: maps [aMin, aMax] linearly onto [bMin, bMax], optionally clipping to
 * [bMin, bMax] (the radiology app's spleen window: -57..164 HU to 0..1, clipped). Result float32.
 */
public final class IntensityWindow {

    private final double aMin;
    private final double aMax;
    private final double bMin;
    private final double bMax;
    private final boolean clip;

    public IntensityWindow(double aMin, double aMax, double bMin, double bMax, boolean clip) {
        if (aMax == aMin) {
            throw new IllegalArgumentException("the input window is empty: aMin == aMax == " + aMin);
        }
        this.aMin = aMin;
        this.aMax = aMax;
        this.bMin = bMin;
        this.bMax = bMax;
        this.clip = clip;
    }

    public Volume apply(Volume in) {
        VoxelBuffer src = in.voxels();
        float[] out = new float[src.length()];
        double scale = (bMax - bMin) / (aMax - aMin);
        double lo = Math.min(bMin, bMax), hi = Math.max(bMin, bMax);
        for (int i = 0; i < out.length; i++) {
            double v = (src.get(i) - aMin) * scale + bMin;
            out[i] = (float) (clip ? Math.max(lo, Math.min(hi, v)) : v);
        }
        return new Volume(in.nx(), in.ny(), in.nz(), in.channels(), in.affine(), new VoxelBuffer.Float32(out));
    }
}
