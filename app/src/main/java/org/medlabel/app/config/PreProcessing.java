package org.medlabel.app.config;

import java.util.List;

/**
 * The steps before the network, in this order: reorientation (axis codes, e.g. RAS), resampling to a voxel
 * spacing (mm), resizing to a fixed grid, an intensity window ({@code a} range mapped linearly to {@code b}, clipped) or
 * a normalisation ((x − subtrahend) / divisor) or MONAI's {@code NormalizeIntensityd} (by the volume's own mean and
 * standard deviation), then optionally a Gaussian smoothing ({@code smooth}: sigma in voxels, MONAI's
 * {@code GaussianSmoothd}), the volume's own range rescaled ({@code scaleIntensity}, MONAI's
 * {@code ScaleIntensityd(minv, maxv)}) and a crop to the foreground. Absent steps are skipped.
 */
public record PreProcessing(
        String orientation,
        List<Double> spacing,
        List<Integer> resize,
        Window window,
        Normalize normalize,
        NormalizeIntensity normalizeIntensity,
        Double smooth,
        Scale scaleIntensity,
        CropForeground cropForeground) {

    public record Window(double aMin, double aMax, double bMin, double bMax, boolean clip) {}

    public record Normalize(double subtrahend, double divisor) {}

    /**
     * MONAI's {@code NormalizeIntensityd(nonzero, channel_wise)}: (x − mean) / std of the volume's own values (of its
     * non-zero voxels only, the zeros kept, with {@code nonzero}); one channel, so channel-wise changes nothing.
     */
    public record NormalizeIntensity(boolean nonzero, boolean channelWise) {}

    /** MONAI's {@code ScaleIntensityd(minv=min, maxv=max)}: [volume min, volume max] onto [min, max]. */
    public record Scale(double min, double max) {}

    /** The lowest value the intensity steps give the background: what a foreground crop leaves out. */
    public double floor() {
        return scaleIntensity != null ? scaleIntensity.min() : window != null ? window.bMin() : 0;
    }

    /**
     * Segmentation only: the network runs on the bounding box of the voxels above the window's floor (the body in a
     * CT), grown by {@code margin} voxels; outside it the answer is background without running the network.
     */
    public record CropForeground(int margin) {}
}
