package org.medlabel.app.config;

import java.util.List;

/**
 * The steps before the network, in this order: reorientation (axis codes, e.g. RAS), resampling to a voxel
 * spacing (mm), resizing to a fixed grid, an intensity window ({@code a} range mapped linearly to {@code b}, clipped) or
 * a normalisation ((x − subtrahend) / divisor), then optionally a crop to the foreground. Absent steps are skipped.
 */
public record PreProcessing(
        String orientation,
        List<Double> spacing,
        List<Integer> resize,
        Window window,
        Normalize normalize,
        CropForeground cropForeground) {

    public record Window(double aMin, double aMax, double bMin, double bMax, boolean clip) {}

    public record Normalize(double subtrahend, double divisor) {}

    /**
     * Segmentation only: the network runs on the bounding box of the voxels above the window's floor (the body in a
     * CT), grown by {@code margin} voxels; outside it the answer is background without running the network.
     */
    public record CropForeground(int margin) {}
}
