package org.medlabel.imaging.transform;

import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Cutting a {@link Region} out of a volume, padding where it reaches beyond the image, and pasting a processed
 * region back into a volume of the original grid (the inverse MONAI Label applies before writing a result). The cut
 * keeps world positions: its affine is the original's shifted to the region's start.
 */
public final class Crop {

    private Crop() {}

    /** The region's voxels, exactly its size; positions outside the image get {@code padValue}. */
    public static Volume cut(Volume in, Region r, double padValue) {
        Volume out = Volume.zeros(r.sx(), r.sy(), r.sz(), in.channels(), in.type(), shifted(in.affine(), r));
        copy(in, out, r.x(), r.y(), r.z(), padValue);
        return out;
    }

    /** A volume on {@code target}, {@code background} everywhere except the region, which holds {@code patch}. */
    public static Volume paste(Volume patch, Region r, Grid target, double background) {
        if (patch.nx() != r.sx() || patch.ny() != r.sy() || patch.nz() != r.sz()) {
            throw new IllegalArgumentException("patch " + patch + " does not fill region " + r);
        }
        Volume out =
                Volume.zeros(target.nx(), target.ny(), target.nz(), patch.channels(), patch.type(), target.affine());
        copy(patch, out, -r.x(), -r.y(), -r.z(), background);
        return out;
    }

    /** out(x, y, z) = in(x + dx, y + dy, z + dz), or {@code outside} where that lies beyond {@code in}. */
    private static void copy(Volume in, Volume out, int dx, int dy, int dz, double outside) {
        VoxelBuffer src = in.voxels(), dst = out.voxels();
        for (int c = 0, i = 0; c < out.channels(); c++) {
            for (int z = 0; z < out.nz(); z++) {
                int sz = z + dz;
                for (int y = 0; y < out.ny(); y++) {
                    int sy = y + dy;
                    for (int x = 0; x < out.nx(); x++, i++) {
                        int sx = x + dx;
                        boolean inside = sx >= 0 && sy >= 0 && sz >= 0 && sx < in.nx() && sy < in.ny() && sz < in.nz();
                        dst.set(i, inside ? src.get(in.index(sx, sy, sz, c)) : outside);
                    }
                }
            }
        }
    }

    private static Affine shifted(Affine a, Region r) {
        return a.multiply(Affine.scaling(1, 1, 1, r.x(), r.y(), r.z()));
    }
}
