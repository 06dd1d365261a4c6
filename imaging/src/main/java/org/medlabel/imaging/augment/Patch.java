package org.medlabel.imaging.augment;

import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;

/**
 * A training patch: the image and label cut from the same {@link Region} of their volumes, so they stay voxel-aligned.
 * The region is in the source volumes' voxels and may reach beyond them where the patch was padded; both patches keep
 * world positions (their affine is the source's shifted to the region's start), and {@code Crop.paste} puts a
 * prediction for the patch back onto the source grid.
 */
public record Patch(Volume image, Volume label, Region region) {}
