package org.medlabel.training.run;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;

/**
 * Where MONAI's DeepEdit training clicks inside a region ({@code AddInitialSeedPointMissingLabelsd},
 * {@code AddRandomGuidanceDeepEditd.find_guidance}): a voxel of the region drawn with probability proportional to
 * {@code exp(d) - 1}, d its chessboard distance to the nearest voxel outside the region (scipy's
 * {@code distance_transform_cdt}: voxels beyond the array's edge do not count as outside), so clicks fall deep inside;
 * a region that fills its whole array is drawn from uniformly (scipy gives every voxel -1 there). Arrays are x-fastest,
 * {@code nx * ny * nz} voxels; MONAI's arrays are (i, j, k) in C order, the same voxels.
 */
final class InteriorClick {

    private InteriorClick() {}

    /** A voxel index of {@code region} drawn as MONAI draws a click, or -1 when the region is empty. */
    static int pick(boolean[] region, int nx, int ny, int nz, Random random) {
        double[] p = probabilities(region, nx, ny, nz);
        if (p == null) {
            return -1;
        }
        double u = random.nextDouble();
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                last = i;
                u -= p[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /** Each voxel's chance of the click (0 outside {@code region}; they sum to 1), or null when the region is empty. */
    static double[] probabilities(boolean[] region, int nx, int ny, int nz) {
        int[] d = chessboard(region, nx, ny, nz);
        int most = Integer.MIN_VALUE;
        for (int i = 0; i < region.length; i++) {
            if (region[i]) {
                most = Math.max(most, d[i]);
            }
        }
        if (most == Integer.MIN_VALUE) {
            return null;
        }
        // exp(d) - 1 scaled by exp(-most): the same proportions without overflow; all -1 (no outside): uniform
        double[] p = new double[region.length];
        double sum = 0;
        for (int i = 0; i < region.length; i++) {
            if (region[i]) {
                p[i] = most < 1 ? 1 : Math.exp(d[i] - most) - Math.exp(-most);
                sum += p[i];
            }
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /**
     * scipy's {@code distance_transform_cdt(region)} (metric chessboard): each voxel's chessboard distance to the
     * nearest voxel outside {@code region} (0 outside), or -1 everywhere when no voxel is outside. Two raster passes
     * over the 26 neighbours are exact for this metric.
     */
    static int[] chessboard(boolean[] region, int nx, int ny, int nz) {
        int n = region.length;
        int far = nx + ny + nz;
        int[] d = new int[n];
        boolean outside = false;
        for (int i = 0; i < n; i++) {
            d[i] = region[i] ? far : 0;
            outside |= !region[i];
        }
        if (!outside) {
            Arrays.fill(d, -1);
            return d;
        }
        for (int pass = 0; pass < 2; pass++) {
            int step = pass == 0 ? 1 : -1;
            for (int z = pass == 0 ? 0 : nz - 1; z >= 0 && z < nz; z += step) {
                for (int y = pass == 0 ? 0 : ny - 1; y >= 0 && y < ny; y += step) {
                    for (int x = pass == 0 ? 0 : nx - 1; x >= 0 && x < nx; x += step) {
                        int i = (z * ny + y) * nx + x;
                        if (d[i] == 0) {
                            continue;
                        }
                        int best = d[i];
                        // the 13 neighbours already visited in this pass's order
                        for (int dz = -1; dz <= 0; dz++) {
                            for (int dy = -1; dy <= 1; dy++) {
                                for (int dx = -1; dx <= 1; dx++) {
                                    if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) {
                                        continue;
                                    }
                                    int xx = x + dx * step, yy = y + dy * step, zz = z + dz * step;
                                    if (xx >= 0 && xx < nx && yy >= 0 && yy < ny && zz >= 0 && zz < nz) {
                                        best = Math.min(best, d[(zz * ny + yy) * nx + xx] + 1);
                                    }
                                }
                            }
                        }
                        d[i] = best;
                    }
                }
            }
        }
        return d;
    }

    /**
     * The 8-connected regions of a 2-D {@code mask} (nx * ny, x-fastest), numbered 1, 2, ... as scikit-image's
     * {@code measure.label} numbers MONAI's (i, j) slice: in order of first voxel, i (x) outer, j (y) inner; 0 outside.
     */
    static int[] blobs(boolean[] mask, int nx, int ny) {
        int[] id = new int[mask.length];
        int next = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int x = 0; x < nx; x++) {
            for (int y = 0; y < ny; y++) {
                int start = y * nx + x;
                if (!mask[start] || id[start] != 0) {
                    continue;
                }
                id[start] = ++next;
                queue.add(start);
                while (!queue.isEmpty()) {
                    int i = queue.poll();
                    int cx = i % nx, cy = i / nx;
                    for (int yy = Math.max(0, cy - 1); yy <= Math.min(ny - 1, cy + 1); yy++) {
                        for (int xx = Math.max(0, cx - 1); xx <= Math.min(nx - 1, cx + 1); xx++) {
                            int j = yy * nx + xx;
                            if (mask[j] && id[j] == 0) {
                                id[j] = next;
                                queue.add(j);
                            }
                        }
                    }
                }
            }
        }
        return id;
    }
}
