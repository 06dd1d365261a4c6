package org.medlabel.imaging.volume;

import java.util.Objects;

/** Where a volume's voxels lie: dimensions and the voxel-to-world affine, without the values. */
public record Grid(int nx, int ny, int nz, Affine affine) {

    public Grid {
        if (nx < 1 || ny < 1 || nz < 1) {
            throw new IllegalArgumentException("grid dimensions must be >= 1, were " + nx + "x" + ny + "x" + nz);
        }
        Objects.requireNonNull(affine, "affine");
    }

    public static Grid of(Volume volume) {
        return new Grid(volume.nx(), volume.ny(), volume.nz(), volume.affine());
    }

    /** The sub-grid covering {@code r} (which may reach outside this grid): same axes, origin at the region's start. */
    public Grid sub(Region r) {
        double[] origin = affine.apply(r.x(), r.y(), r.z());
        double[] m = affine.toArray();
        m[3] = origin[0];
        m[7] = origin[1];
        m[11] = origin[2];
        return new Grid(r.sx(), r.sy(), r.sz(), Affine.of(m));
    }

    public long voxelCount() {
        return (long) nx * ny * nz;
    }
}
