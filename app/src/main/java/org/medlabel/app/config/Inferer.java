package org.medlabel.app.config;

import java.util.List;

/**
 * How the network meets the volume: {@code whole} (one pass, padded to what the network divides by),
 * {@code sliding_window} (MONAI's: windows of {@code roi} voxels overlapping by {@code overlap}), or {@code fitted}
 * (as few windows as cover the volume with each at most {@code maxWindowVoxels}: far less overlap than a fixed grid,
 * so far fewer voxels computed, while memory stays bounded). Sliding windows blend {@code constant} (MONAI's default) or
 * {@code gaussian} (MONAI's importance map, sigma 0.125 of the window) and pad a volume smaller than the window with
 * {@code constant} zeros (MONAI's default) or {@code replicate} its edge.
 */
public record Inferer(
        String kind, List<Integer> roi, Double overlap, Long maxWindowVoxels, String blend, String padding) {

    public Inferer(String kind, List<Integer> roi, Double overlap, Long maxWindowVoxels) {
        this(kind, roi, overlap, maxWindowVoxels, null, null);
    }

    public boolean gaussian() {
        return "gaussian".equals(blend);
    }

    public boolean replicatePadding() {
        return "replicate".equals(padding);
    }

    public boolean slidingWindow() {
        return "sliding_window".equals(kind);
    }

    public boolean fitted() {
        return "fitted".equals(kind);
    }
}
