package org.medlabel.imaging.augment;

import java.util.random.RandomGenerator;
import org.medlabel.imaging.transform.Crop;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI's {@code RandCropByPosNegLabel}: patches of a fixed size centred, with probability {@code pos / (pos + neg)},
 * on a foreground voxel (label > 0) and otherwise on a background voxel, every voxel of the chosen class equally
 * likely; when the label has no voxel of the chosen class, the other class is used. The patch then slides to lie
 * inside the volume (MONAI's {@code correct_crop_centers}), so it always contains the chosen voxel. Along an axis where
 * the volume is smaller than the patch, the volume is centred in the patch and padded, as MONAI's {@code SpatialPadd}
 * (symmetric) before the crop would; MONAI's crop alone would return a smaller patch. Every label-0 voxel counts as
 * background (no {@code image_threshold}).
 *
 * <p>Built once per label by {@link #of}, then sampled any number of times. Only the rarer class is indexed (sorted
 * voxel indices, at most half the voxels; a 512 x 512 x 300 label with 5 % foreground takes 16 MB); a voxel of the
 * other class is found by its rank among the gaps of that index, so a crop costs a binary search, not a scan.
 */
public final class RandomCrop {

    private final Volume label;
    private final int px;
    private final int py;
    private final int pz;
    private final double positiveProbability;
    private final int[] rarer; // sorted voxel indices of the rarer class
    private final boolean rarerIsForeground;

    private RandomCrop(Volume label, int px, int py, int pz, double positiveProbability, int[] rarer, boolean fg) {
        this.label = label;
        this.px = px;
        this.py = py;
        this.pz = pz;
        this.positiveProbability = positiveProbability;
        this.rarer = rarer;
        this.rarerIsForeground = fg;
    }

    /**
     * Indexes a single-channel {@code label} for patches of {@code px x py x pz} voxels, centred on foreground with
     * probability {@code pos / (pos + neg)} (both >= 0, not both 0).
     */
    public static RandomCrop of(Volume label, int px, int py, int pz, double pos, double neg) {
        if (label.channels() != 1) {
            throw new IllegalArgumentException("the label must have one channel, has " + label.channels());
        }
        if (px < 1 || py < 1 || pz < 1) {
            throw new IllegalArgumentException("the patch size must be positive, was " + px + "x" + py + "x" + pz);
        }
        if (!(pos >= 0 && neg >= 0 && pos + neg > 0 && Double.isFinite(pos + neg))) {
            throw new IllegalArgumentException(
                    "pos and neg must be finite, >= 0 and not both 0, were " + pos + ", " + neg);
        }
        VoxelBuffer voxels = label.voxels();
        int n = label.voxelCount();
        int foreground = 0;
        for (int i = 0; i < n; i++) {
            if (voxels.get(i) > 0) {
                foreground++;
            }
        }
        boolean rarerIsForeground = foreground <= n - foreground;
        int[] rarer = new int[rarerIsForeground ? foreground : n - foreground];
        for (int i = 0, r = 0; r < rarer.length; i++) {
            if (voxels.get(i) > 0 == rarerIsForeground) {
                rarer[r++] = i;
            }
        }
        return new RandomCrop(label, px, py, pz, pos / (pos + neg), rarer, rarerIsForeground);
    }

    /** A patch of {@code image} (same nx, ny, nz as the label, any channels) and the label, padded with 0. */
    public Patch sample(Volume image, RandomGenerator random) {
        return sample(image, 0, random);
    }

    /** A patch of {@code image} and the label; the image is padded with {@code imagePad}, the label with 0. */
    public Patch sample(Volume image, double imagePad, RandomGenerator random) {
        if (image.nx() != label.nx() || image.ny() != label.ny() || image.nz() != label.nz()) {
            throw new IllegalArgumentException("image " + image + " and label " + label + " differ in size");
        }
        Region r = region(random);
        return new Patch(Crop.cut(image, r, imagePad), Crop.cut(label, r, 0), r);
    }

    private Region region(RandomGenerator random) {
        boolean foreground = random.nextDouble() < positiveProbability;
        if (count(foreground) == 0) {
            foreground = !foreground;
        }
        int centre = voxelOfClass(foreground, random.nextInt(count(foreground)));
        int x = centre % label.nx();
        int y = centre / label.nx() % label.ny();
        int z = centre / (label.nx() * label.ny());
        return new Region(start(x, px, label.nx()), start(y, py, label.ny()), start(z, pz, label.nz()), px, py, pz);
    }

    private int count(boolean foreground) {
        return foreground == rarerIsForeground ? rarer.length : label.voxelCount() - rarer.length;
    }

    /** The index of the k-th voxel (from 0, in buffer order) of the class. */
    private int voxelOfClass(boolean foreground, int k) {
        if (foreground == rarerIsForeground) {
            return rarer[k];
        }
        // rarer[j] - j voxels of the other class precede rarer[j], a non-decreasing count: the k-th one comes after
        // the j indexed voxels that have at most k of them before.
        int lo = 0, hi = rarer.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rarer[mid] - mid <= k) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return k + lo;
    }

    /** The patch start on one axis: around the centre, slid inside; or centred over a smaller volume. */
    private static int start(int centre, int patch, int size) {
        if (size < patch) {
            return -((patch - size) / 2);
        }
        return Math.max(0, Math.min(size - patch, centre - patch / 2));
    }
}
