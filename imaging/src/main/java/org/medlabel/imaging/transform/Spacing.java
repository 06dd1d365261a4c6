package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;

/**
 * Resampling to a target voxel spacing, as MONAI's {@code Spacingd}: the axes keep their directions, the first voxel
 * centre stays where it is, and each axis gets {@code round((n - 1) * old / new) + 1} voxels, so the first and last
 * voxel centres span the same extent (100 slices of 2 mm become 199 of 1 mm). Undo it with
 * {@link Resampler#resample} onto the original {@link Grid}.
 */
public final class Spacing {

    private final double[] target;
    private final Resampler resampler;

    public Spacing(Resampler resampler, double sx, double sy, double sz) {
        if (!(sx > 0 && sy > 0 && sz > 0)) {
            throw new IllegalArgumentException("spacing must be positive, was " + sx + ", " + sy + ", " + sz);
        }
        this.resampler = resampler;
        this.target = new double[] {sx, sy, sz};
    }

    /** The grid of the same region at the target spacing. */
    public Grid targetGrid(Grid source) {
        double[] old = source.affine().spacing();
        int[] n = {source.nx(), source.ny(), source.nz()};
        int[] out = new int[3];
        double[] m = source.affine().toArray();
        for (int axis = 0; axis < 3; axis++) {
            out[axis] = (int) Math.round((n[axis] - 1) * old[axis] / target[axis]) + 1;
            double scale = target[axis] / old[axis];
            for (int row = 0; row < 3; row++) {
                m[row * 4 + axis] *= scale;
            }
        }
        return new Grid(out[0], out[1], out[2], Affine.of(m));
    }

    public Volume apply(Volume volume, Interpolation interpolation) {
        return resampler.resample(volume, targetGrid(Grid.of(volume)), interpolation);
    }
}
