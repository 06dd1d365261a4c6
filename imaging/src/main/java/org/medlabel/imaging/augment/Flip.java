package org.medlabel.imaging.augment;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Which voxel axes to reverse (MONAI's {@code Flip}). Applying one flip to an image and its label keeps them aligned.
 *
 * <p>A flipped volume keeps world positions: voxel i of a flipped axis holds what voxel n-1-i held, and the affine is
 * changed to map it to that voxel's world position, as MONAI updates a {@code MetaTensor}'s affine. So only the voxel
 * order, which is what a network sees, changes; resampling, pasting or saving by world position still finds the same
 * anatomy in the same place.
 */
public record Flip(boolean x, boolean y, boolean z) {

    /** The flipped volume, new voxels; {@code in} itself when no axis is flipped. */
    public Volume apply(Volume in) {
        if (!x && !y && !z) {
            return in;
        }
        int nx = in.nx(), ny = in.ny(), nz = in.nz();
        VoxelBuffer src = in.voxels();
        VoxelBuffer dst = VoxelBuffer.allocate(in.type(), src.length());
        for (int c = 0, i = 0; c < in.channels(); c++) {
            for (int k = 0; k < nz; k++) {
                int sk = z ? nz - 1 - k : k;
                for (int j = 0; j < ny; j++) {
                    int row = in.index(0, y ? ny - 1 - j : j, sk, c);
                    for (int v = 0; v < nx; v++, i++) {
                        dst.set(i, src.get(row + (x ? nx - 1 - v : v)));
                    }
                }
            }
        }
        Affine toSource =
                Affine.scaling(x ? -1 : 1, y ? -1 : 1, z ? -1 : 1, x ? nx - 1 : 0, y ? ny - 1 : 0, z ? nz - 1 : 0);
        return new Volume(nx, ny, nz, in.channels(), in.affine().multiply(toSource), dst);
    }
}
