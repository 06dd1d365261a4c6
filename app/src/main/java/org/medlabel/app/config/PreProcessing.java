package org.medlabel.app.config;

import java.util.List;

/**
 * The steps before the network, in this order: reorientation (axis codes, e.g. RAS), resampling to a voxel
 * spacing (mm), resizing to a fixed grid, an intensity window ({@code a} range mapped linearly to {@code b}, clipped) or
 * a normalisation ((x − subtrahend) / divisor). Absent steps are skipped.
 */
public record PreProcessing(
        String orientation, List<Double> spacing, List<Integer> resize, Window window, Normalize normalize) {

    public record Window(double aMin, double aMax, double bMin, double bMax, boolean clip) {}

    public record Normalize(double subtrahend, double divisor) {}
}
