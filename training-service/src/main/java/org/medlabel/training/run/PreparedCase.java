package org.medlabel.training.run;

import org.medlabel.imaging.augment.RandomCrop;
import org.medlabel.imaging.volume.Volume;

/**
 * A case on the network's grid: the pre-processed image (float32) and the label as class indices (uint8), voxel for
 * voxel, with its crop index and the classes it contains (ascending, background excluded) found once.
 */
record PreparedCase(String id, Volume image, Volume label, RandomCrop crops, int[] structures) {

    /** What the case holds in memory (the crop index is at most half the label's voxels as ints). */
    long bytes() {
        return (long) image.voxelCount() * image.channels() * 4 + label.voxelCount() * 3L;
    }
}
