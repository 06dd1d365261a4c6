package org.medlabel.inference.app;

import java.util.List;

/**
 * How the network meets the volume: {@code whole} (one pass over the pre-processed volume, padded to what the network
 * divides by) or {@code sliding_window} (patches of {@code roi} voxels overlapping by {@code overlap}).
 */
public record Inferer(String kind, List<Integer> roi, Double overlap) {

    public boolean slidingWindow() {
        return "sliding_window".equals(kind);
    }
}
