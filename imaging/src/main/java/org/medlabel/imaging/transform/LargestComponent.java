package org.medlabel.imaging.transform;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Keeps, for each label value, only its largest connected component (MONAI's {@code KeepLargestConnectedComponent}
 * with {@code independent=True}); other voxels of that label become 0.
 *
 * <p>Works on runs, not voxels: one scan cuts every row into runs of equal non-zero values, a union-find joins runs of
 * the same value that touch a run in an earlier row (the previous row of the slice and, for 26-connectivity, the three
 * neighbouring rows of the previous slice, with diagonal contact), and one pass writes the winning runs. Label maps
 * have far fewer runs than voxels, so the union work is small. Ties between equally large components keep the one
 * met first in x-fastest order.
 */
public final class LargestComponent {

    /** Which neighbours touch: the 6 face neighbours, or all 26 (MONAI's default in 3D). */
    public enum Connectivity {
        FACES,
        FULL
    }

    private final Connectivity connectivity;

    public LargestComponent(Connectivity connectivity) {
        this.connectivity = connectivity;
    }

    public Volume apply(Volume labels) {
        if (labels.channels() != 1 || labels.type() == VoxelType.FLOAT32) {
            throw new IllegalArgumentException("expects a single-channel integer label map, got " + labels);
        }
        Runs runs = Runs.of(labels);
        int[] parent = new int[runs.count];
        for (int r = 0; r < runs.count; r++) {
            parent[r] = r;
        }
        int ny = labels.ny(), nz = labels.nz();
        int touch = connectivity == Connectivity.FULL ? 1 : 0; // runs one apart in x still touch diagonally
        for (int z = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
                int row = z * ny + y;
                if (y > 0) {
                    join(runs, parent, row, row - 1, touch);
                }
                if (z > 0) {
                    join(runs, parent, row, row - ny, touch);
                    if (connectivity == Connectivity.FULL) {
                        if (y > 0) {
                            join(runs, parent, row, row - ny - 1, touch);
                        }
                        if (y < ny - 1) {
                            join(runs, parent, row, row - ny + 1, touch);
                        }
                    }
                }
            }
        }
        long[] size = new long[runs.count];
        for (int r = 0; r < runs.count; r++) {
            size[find(parent, r)] += runs.end[r] - runs.start[r] + 1;
        }
        Map<Integer, Integer> largestRoot = new HashMap<>();
        for (int r = 0; r < runs.count; r++) {
            if (parent[r] == r) {
                Integer best = largestRoot.get(runs.value[r]);
                if (best == null || size[r] > size[best]) {
                    largestRoot.put(runs.value[r], r);
                }
            }
        }
        VoxelBuffer out = VoxelBuffer.allocate(labels.type(), labels.voxelCount());
        int nx = labels.nx();
        for (int row = 0; row < ny * nz; row++) {
            for (int r = runs.rowStart[row]; r < runs.rowStart[row + 1]; r++) {
                if (find(parent, r) == largestRoot.get(runs.value[r])) {
                    fill(out, row * nx + runs.start[r], row * nx + runs.end[r], runs.value[r]);
                }
            }
        }
        return new Volume(labels.nx(), ny, nz, labels.affine(), out);
    }

    /** Joins each run of {@code row} with the runs of the earlier row {@code other} it touches and shares a value with. */
    private static void join(Runs runs, int[] parent, int row, int other, int touch) {
        int low = runs.rowStart[other], otherEnd = runs.rowStart[other + 1];
        for (int a = runs.rowStart[row]; a < runs.rowStart[row + 1]; a++) {
            // Runs of a row are sorted and disjoint, so the first candidate only moves forward.
            while (low < otherEnd && runs.end[low] + touch < runs.start[a]) {
                low++;
            }
            for (int b = low; b < otherEnd && runs.start[b] <= runs.end[a] + touch; b++) {
                if (runs.value[a] == runs.value[b]) {
                    union(parent, a, b);
                }
            }
        }
    }

    private static void fill(VoxelBuffer out, int from, int to, int value) {
        if (out instanceof VoxelBuffer.UInt8 u) {
            Arrays.fill(u.array(), from, to + 1, (byte) value);
        } else {
            for (int i = from; i <= to; i++) {
                out.set(i, value);
            }
        }
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]]; // path halving
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) {
            // The smaller index becomes the root: a root is the first run of its component in scan order.
            if (ra < rb) {
                parent[rb] = ra;
            } else {
                parent[ra] = rb;
            }
        }
    }

    /** The runs of equal non-zero values of every row, rows in scan order (row = z * ny + y). */
    private static final class Runs {
        int count;
        int[] start = new int[1024];
        int[] end = new int[1024];
        int[] value = new int[1024];
        int[] rowStart;

        static Runs of(Volume v) {
            Runs runs = new Runs();
            int nx = v.nx(), rows = v.ny() * v.nz();
            runs.rowStart = new int[rows + 1];
            VoxelBuffer b = v.voxels();
            byte[] u8 = b instanceof VoxelBuffer.UInt8 u ? u.array() : null;
            for (int row = 0; row < rows; row++) {
                runs.rowStart[row] = runs.count;
                int base = row * nx;
                int x = 0;
                while (x < nx) {
                    int val = u8 != null ? u8[base + x] & 0xFF : (int) b.get(base + x);
                    if (val == 0) {
                        x++;
                        continue;
                    }
                    int s = x;
                    while (x + 1 < nx && (u8 != null ? u8[base + x + 1] & 0xFF : (int) b.get(base + x + 1)) == val) {
                        x++;
                    }
                    runs.add(s, x, val);
                    x++;
                }
            }
            runs.rowStart[rows] = runs.count;
            return runs;
        }

        private void add(int s, int e, int val) {
            if (count == start.length) {
                start = Arrays.copyOf(start, count * 2);
                end = Arrays.copyOf(end, count * 2);
                value = Arrays.copyOf(value, count * 2);
            }
            start[count] = s;
            end[count] = e;
            value[count++] = val;
        }
    }
}
