package org.medlabel.app.network;

/**
 * Windows fitted to a volume: per axis a count c and a size, a multiple of {@link NetworkRunner#DIVISOR}, just large
 * enough that c windows overlapping by {@link #OVERLAP} cover the axis; among the counts whose window has at most the
 * allowed voxels, the one computing the fewest voxels in total. A 256x256x199 volume with 2^23 voxels per window gets
 * 2 windows of 256x256x112 (14.7 M voxels) where MONAI's 160³ grid computes 8 windows (32.8 M voxels).
 */
public final class WindowPlan {

    /** The overlap of adjacent windows, as a fraction of the window: enough to blend seams. */
    public static final double OVERLAP = 0.125;

    private static final int MAX_PER_AXIS = 16;

    private WindowPlan() {}

    /** The window size for {@code size} (x, y, z) with at most {@code maxVoxels} per window. */
    public static int[] fit(int[] size, long maxVoxels) {
        int[] best = null;
        long bestTotal = Long.MAX_VALUE;
        for (int cx = 1; cx <= MAX_PER_AXIS; cx++) {
            for (int cy = 1; cy <= MAX_PER_AXIS; cy++) {
                for (int cz = 1; cz <= MAX_PER_AXIS; cz++) {
                    int[] roi = {extent(size[0], cx), extent(size[1], cy), extent(size[2], cz)};
                    long voxels = (long) roi[0] * roi[1] * roi[2];
                    long total = voxels * cx * cy * cz;
                    if (voxels <= maxVoxels && total < bestTotal) {
                        best = roi;
                        bestTotal = total;
                    }
                }
            }
        }
        if (best == null) {
            throw new TooManyWindowsException("the image of " + size[0] + "x" + size[1] + "x" + size[2]
                    + " voxels needs more than " + MAX_PER_AXIS + " windows per axis of at most " + maxVoxels
                    + " voxels");
        }
        return best;
    }

    /** The smallest multiple of the divisor such that {@code count} windows overlapping by OVERLAP cover {@code n}. */
    private static int extent(int n, int count) {
        int d = NetworkRunner.DIVISOR;
        int raw = (int) Math.ceil(n / (1 + (count - 1) * (1 - OVERLAP)));
        return Math.max(d, (raw + d - 1) / d * d);
    }

    /** The volume is too large for the window budget (a request error: the image, not the server, is at fault). */
    public static final class TooManyWindowsException extends IllegalArgumentException {
        TooManyWindowsException(String message) {
            super(message);
        }
    }
}
