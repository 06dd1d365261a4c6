package org.medlabel.imaging.augment;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * A rotation by {@code k} quarter turns in the plane of the first two voxel axes (MONAI's {@code Rotate90(k,
 * spatial_axes=(0, 1))}, i.e. numpy's {@code rot90(k, axes=(0, 1))} on MONAI's (i, j) axes, x and y here): a quarter
 * turn makes new voxel (x, y) what voxel (y, ny - 1 - x) was, so x and y sizes swap for odd k. Like {@link Flip} it
 * keeps world positions (the affine maps each new voxel to where its voxel was); applying one rotation to an image and
 * its label keeps them aligned.
 */
public record Rotate90(int k) {

    public Rotate90 {
        k = Math.floorMod(k, 4);
    }

    /** The rotated volume, new voxels; {@code in} itself when {@code k} is 0. */
    public Volume apply(Volume in) {
        if (k == 0) {
            return in;
        }
        int nx = in.nx(), ny = in.ny(), nz = in.nz();
        int outX = k == 2 ? nx : ny, outY = k == 2 ? ny : nx;
        VoxelBuffer src = in.voxels();
        VoxelBuffer dst = VoxelBuffer.allocate(in.type(), src.length());
        for (int c = 0, i = 0; c < in.channels(); c++) {
            for (int z = 0; z < nz; z++) {
                for (int y = 0; y < outY; y++) {
                    for (int x = 0; x < outX; x++, i++) {
                        int sx = switch (k) {
                            case 1 -> y;
                            case 2 -> nx - 1 - x;
                            default -> nx - 1 - y;
                        };
                        int sy = switch (k) {
                            case 1 -> ny - 1 - x;
                            case 2 -> ny - 1 - y;
                            default -> x;
                        };
                        dst.set(i, src.get(in.index(sx, sy, z, c)));
                    }
                }
            }
        }
        Affine toSource = switch (k) {
            case 1 -> Affine.of(0, 1, 0, 0, -1, 0, 0, ny - 1, 0, 0, 1, 0);
            case 2 -> Affine.scaling(-1, -1, 1, nx - 1, ny - 1, 0);
            default -> Affine.of(0, -1, 0, nx - 1, 1, 0, 0, 0, 0, 0, 1, 0);
        };
        return new Volume(outX, outY, nz, in.channels(), in.affine().multiply(toSource), dst);
    }
}
