package org.medlabel.imaging.metric;

import java.util.Map;
import java.util.TreeMap;
import org.medlabel.imaging.volume.Volume;

/** Dice overlap of label maps: 2|A and B| / (|A| + |B|), per label value; 1 when a label is absent from both. */
public final class Dice {

    private Dice() {}

    /** Dice of one label value. */
    public static double of(Volume prediction, Volume truth, int label) {
        return perLabel(prediction, truth).getOrDefault(label, 1.0);
    }

    /** Dice of every non-zero label value present in either map, by value. */
    public static Map<Integer, Double> perLabel(Volume prediction, Volume truth) {
        if (prediction.voxelCount() != truth.voxelCount() || prediction.channels() != 1 || truth.channels() != 1) {
            throw new IllegalArgumentException("label maps differ in shape: " + prediction + " vs " + truth);
        }
        Map<Integer, long[]> counts = new TreeMap<>(); // value -> {in prediction, in truth, in both}
        for (int i = 0; i < prediction.voxelCount(); i++) {
            int p = (int) prediction.voxels().get(i);
            int t = (int) truth.voxels().get(i);
            if (p != 0) {
                counts.computeIfAbsent(p, k -> new long[3])[0]++;
            }
            if (t != 0) {
                counts.computeIfAbsent(t, k -> new long[3])[1]++;
            }
            if (p != 0 && p == t) {
                counts.get(p)[2]++;
            }
        }
        Map<Integer, Double> dice = new TreeMap<>();
        counts.forEach((label, c) -> dice.put(label, 2.0 * c[2] / (c[0] + c[1])));
        return dice;
    }

    /** The mean over labels of {@link #perLabel}; 1 when neither map has a label. */
    public static double mean(Volume prediction, Volume truth) {
        return perLabel(prediction, truth).values().stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(1.0);
    }
}
