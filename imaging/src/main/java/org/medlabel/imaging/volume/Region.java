package org.medlabel.imaging.volume;

import java.util.function.DoublePredicate;

/** A box of voxels: start (may lie outside the image, for padding) and size along x, y, z. */
public record Region(int x, int y, int z, int sx, int sy, int sz) {

    public Region {
        if (sx < 1 || sy < 1 || sz < 1) {
            throw new IllegalArgumentException("a region needs a positive size, was " + sx + "x" + sy + "x" + sz);
        }
    }

    /** The box of {@code size} centred on a voxel position (start = floor(centre) - size / 2, as MONAI's SpatialCrop). */
    public static Region around(double[] centre, int sx, int sy, int sz) {
        return new Region(
                (int) Math.floor(centre[0]) - sx / 2,
                (int) Math.floor(centre[1]) - sy / 2,
                (int) Math.floor(centre[2]) - sz / 2,
                sx,
                sy,
                sz);
    }

    /**
     * The bounding box of the non-zero voxels of any channel, grown by {@code margin} voxels on each side and clipped to
     * the image (MONAI's {@code CropForeground}); the whole image when nothing is non-zero.
     */
    public static Region foreground(Volume v, int margin) {
        return box(v, margin, value -> value != 0);
    }

    /** As {@link #foreground}, of the voxels above {@code floor} (an intensity step's background value). */
    public static Region above(Volume v, int margin, double floor) {
        return box(v, margin, value -> value > floor);
    }

    private static Region box(Volume v, int margin, DoublePredicate inside) {
        int[] lo = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
        int[] hi = {-1, -1, -1};
        int n = v.voxelCount();
        for (int c = 0; c < v.channels(); c++) {
            int i = c * n;
            for (int z = 0; z < v.nz(); z++) {
                for (int y = 0; y < v.ny(); y++) {
                    for (int x = 0; x < v.nx(); x++, i++) {
                        if (inside.test(v.voxels().get(i))) {
                            lo[0] = Math.min(lo[0], x);
                            lo[1] = Math.min(lo[1], y);
                            lo[2] = Math.min(lo[2], z);
                            hi[0] = Math.max(hi[0], x);
                            hi[1] = Math.max(hi[1], y);
                            hi[2] = Math.max(hi[2], z);
                        }
                    }
                }
            }
        }
        if (hi[0] < 0) {
            return new Region(0, 0, 0, v.nx(), v.ny(), v.nz());
        }
        int[] size = {v.nx(), v.ny(), v.nz()};
        int[] start = new int[3];
        int[] end = new int[3];
        for (int a = 0; a < 3; a++) {
            start[a] = Math.max(0, lo[a] - margin);
            end[a] = Math.min(size[a] - 1, hi[a] + margin);
        }
        return new Region(
                start[0], start[1], start[2], end[0] - start[0] + 1, end[1] - start[1] + 1, end[2] - start[2] + 1);
    }
}
