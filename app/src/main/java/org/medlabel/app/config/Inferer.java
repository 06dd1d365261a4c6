package org.medlabel.app.config;

import java.util.List;

/**
 * How the network meets the volume: {@code whole} (one pass, padded to what the network divides by),
 * {@code sliding_window} (MONAI's: windows of {@code roi} voxels overlapping by {@code overlap}), or {@code fitted}
 * (as few windows as cover the volume with each at most {@code maxWindowVoxels}: far less overlap than a fixed grid,
 * so far fewer voxels computed, while memory stays bounded).
 */
public record Inferer(String kind, List<Integer> roi, Double overlap, Long maxWindowVoxels) {

    public boolean slidingWindow() {
        return "sliding_window".equals(kind);
    }

    public boolean fitted() {
        return "fitted".equals(kind);
    }
}
