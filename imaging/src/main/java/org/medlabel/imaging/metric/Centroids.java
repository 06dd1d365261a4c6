package org.medlabel.imaging.metric;

import java.util.Map;
import java.util.TreeMap;
import org.medlabel.imaging.volume.Volume;

/** The centre of mass of each label value, in voxel coordinates (as MONAI Label's label centroids). */
public final class Centroids {

    private Centroids() {}

    /** Label value -> {x, y, z} mean voxel position of that label; labels that do not occur are absent. */
    public static Map<Integer, double[]> of(Volume labels) {
        Map<Integer, double[]> sums = new TreeMap<>(); // value -> {sx, sy, sz, count}
        int i = 0;
        for (int z = 0; z < labels.nz(); z++) {
            for (int y = 0; y < labels.ny(); y++) {
                for (int x = 0; x < labels.nx(); x++, i++) {
                    int v = (int) labels.voxels().get(i);
                    if (v != 0) {
                        double[] s = sums.computeIfAbsent(v, k -> new double[4]);
                        s[0] += x;
                        s[1] += y;
                        s[2] += z;
                        s[3]++;
                    }
                }
            }
        }
        Map<Integer, double[]> centroids = new TreeMap<>();
        sums.forEach((v, s) -> centroids.put(v, new double[] {s[0] / s[3], s[1] / s[3], s[2] / s[3]}));
        return centroids;
    }
}
