package org.medlabel.app.config;

import java.util.List;

/**
 * Click guidance: each click becomes a Gaussian peak of {@code sigma} voxels in its channel (min-max normalised to
 * [0, 1], as MONAI's AddGuidanceSignal). DeepGrow also crops around the clicks ({@code cropSize} in-plane, grown by
 * {@code margin}) and resizes the crop to {@code modelSize} (D, H, W).
 */
public record Guidance(double sigma, List<Integer> cropSize, Integer margin, List<Integer> modelSize) {}
