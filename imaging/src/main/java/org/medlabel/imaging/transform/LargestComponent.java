package org.medlabel.imaging.transform;

import java.util.HashMap;
import java.util.Map;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/**
 * Keeps, for each label value, only its largest connected component (MONAI's {@code KeepLargestConnectedComponent}
 * with {@code independent=True}); other voxels of that label become 0. One scan with a union-find over voxels (each
 * joined with its already-visited neighbours of the same value), then one relabelling scan. Ties between equally
 * large components keep the one met first in x-fastest order.
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
        int nx = labels.nx(), ny = labels.ny(), nz = labels.nz(), n = labels.voxelCount();
        int[] value = values(labels.voxels());
        int[] parent = new int[n];
        int[][] offsets = backwardNeighbours();
        for (int z = 0, i = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
                for (int x = 0; x < nx; x++, i++) {
                    int v = value[i];
                    if (v == 0) {
                        continue;
                    }
                    parent[i] = i;
                    for (int[] o : offsets) {
                        int xx = x + o[0], yy = y + o[1], zz = z + o[2];
                        if (xx < 0 || xx >= nx || yy < 0 || zz < 0 || yy >= ny) {
                            continue;
                        }
                        int j = (zz * ny + yy) * nx + xx;
                        if (value[j] == v) {
                            union(parent, i, j);
                        }
                    }
                }
            }
        }
        int[] size = new int[n];
        for (int i = 0; i < n; i++) {
            if (value[i] != 0) {
                size[find(parent, i)]++;
            }
        }
        Map<Integer, Integer> largestRoot = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (value[i] != 0 && parent[i] == i) {
                Integer best = largestRoot.get(value[i]);
                if (best == null || size[i] > size[best]) {
                    largestRoot.put(value[i], i);
                }
            }
        }
        VoxelBuffer out = VoxelBuffer.allocate(labels.type(), n);
        for (int i = 0; i < n; i++) {
            if (value[i] != 0 && find(parent, i) == largestRoot.get(value[i])) {
                out.set(i, value[i]);
            }
        }
        return new Volume(nx, ny, nz, labels.affine(), out);
    }

    /** Neighbours earlier in x-fastest scan order (half of them: the other half see this voxel later). */
    private int[][] backwardNeighbours() {
        if (connectivity == Connectivity.FACES) {
            return new int[][] {{-1, 0, 0}, {0, -1, 0}, {0, 0, -1}};
        }
        int[][] all = new int[13][];
        int k = 0;
        for (int dz = -1; dz <= 0; dz++) {
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    if (dz < 0 || dy < 0 || (dy == 0 && dx < 0)) {
                        all[k++] = new int[] {dx, dy, dz};
                    }
                }
            }
        }
        return all;
    }

    private static int[] values(VoxelBuffer b) {
        int[] v = new int[b.length()];
        if (b instanceof VoxelBuffer.UInt8 u) {
            byte[] a = u.array();
            for (int i = 0; i < v.length; i++) {
                v[i] = a[i] & 0xFF;
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = (int) b.get(i);
            }
        }
        return v;
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
            // The smaller index becomes the root: roots are then the first voxel of their component in scan order.
            if (ra < rb) {
                parent[rb] = ra;
            } else {
                parent[ra] = rb;
            }
        }
    }
}
