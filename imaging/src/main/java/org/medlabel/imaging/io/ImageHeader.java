package org.medlabel.imaging.io;

import org.medlabel.imaging.volume.Affine;

/**
 * What an image file holds, as a probe found it after reading every byte: the spatial grid ({@code nx, ny, nz} voxels
 * placed by {@code affine}, RAS millimetres), {@code components} (4D volumes or NRRD channels) and the on-disk data type.
 */
public record ImageHeader(int nx, int ny, int nz, int components, Affine affine, String dataType) {

    public int[] dimensions() {
        return new int[] {nx, ny, nz};
    }
}
