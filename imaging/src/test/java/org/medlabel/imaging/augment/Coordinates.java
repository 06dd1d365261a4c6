package org.medlabel.imaging.augment;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

/** Test volumes whose values say where they came from, so that any voxel of a result can be traced to its source. */
final class Coordinates {

    /** Not axis-aligned, so that a wrong affine cannot pass by symmetry. */
    static final Affine OBLIQUE = Affine.of(0.8, 0.1, 0, -50, -0.05, 0.9, 0.2, 20, 0.02, -0.1, 2.5, 100);

    private Coordinates() {}

    /** Voxel (x, y, z) of channel c holds x + 100 y + 10^4 z + 10^6 c: exact in float32 for sizes up to 100. */
    static Volume volume(int nx, int ny, int nz, int channels, Affine affine) {
        Volume v = Volume.zeros(nx, ny, nz, channels, VoxelType.FLOAT32, affine);
        for (int c = 0; c < channels; c++) {
            for (int z = 0; z < nz; z++) {
                for (int y = 0; y < ny; y++) {
                    for (int x = 0; x < nx; x++) {
                        v.voxels().set(v.index(x, y, z, c), encode(x, y, z, c));
                    }
                }
            }
        }
        return v;
    }

    static double encode(int x, int y, int z, int c) {
        return x + 100 * y + 10_000 * z + 1_000_000 * c;
    }

    /** {x, y, z, c} of an encoded value. */
    static int[] decode(double value) {
        int v = (int) value;
        return new int[] {v % 100, v / 100 % 100, v / 10_000 % 100, v / 1_000_000};
    }
}
