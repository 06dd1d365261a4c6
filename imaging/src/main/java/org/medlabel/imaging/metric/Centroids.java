package org.medlabel.imaging.metric;

import java.util.Map;
import java.util.TreeMap;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/** The centre of mass of each label value, in voxel coordinates (as MONAI Label's label centroids). */
public final class Centroids {

    private Centroids() {}

    /** Label value -> {x, y, z} mean voxel position of that label; labels that do not occur are absent. */
    public static Map<Integer, double[]> of(Volume labels) {
        Map<Integer, double[]> sums = new TreeMap<>(); // value -> {sx, sy, sz, count}
        if (labels.voxels() instanceof VoxelBuffer.UInt8 u) {
            // the usual label map: sums indexed by value, no map lookup per voxel
            double[][] byValue = new double[256][];
            byte[] values = u.array();
            int i = 0;
            for (int z = 0; z < labels.nz(); z++) {
                for (int y = 0; y < labels.ny(); y++) {
                    for (int x = 0; x < labels.nx(); x++, i++) {
                        int v = values[i] & 0xff;
                        if (v != 0) {
                            add(byValue[v] == null ? byValue[v] = new double[4] : byValue[v], x, y, z);
                        }
                    }
                }
            }
            for (int v = 1; v < 256; v++) {
                if (byValue[v] != null) {
                    sums.put(v, byValue[v]);
                }
            }
        } else {
            int i = 0;
            for (int z = 0; z < labels.nz(); z++) {
                for (int y = 0; y < labels.ny(); y++) {
                    for (int x = 0; x < labels.nx(); x++, i++) {
                        int v = (int) labels.voxels().get(i);
                        if (v != 0) {
                            add(sums.computeIfAbsent(v, k -> new double[4]), x, y, z);
                        }
                    }
                }
            }
        }
        Map<Integer, double[]> centroids = new TreeMap<>();
        sums.forEach((v, s) -> centroids.put(v, new double[] {s[0] / s[3], s[1] / s[3], s[2] / s[3]}));
        return centroids;
    }

    private static void add(double[] sum, int x, int y, int z) {
        sum[0] += x;
        sum[1] += y;
        sum[2] += z;
        sum[3]++;
    }
}
