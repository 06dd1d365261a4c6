package org.medlabel.imaging.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.medlabel.imaging.volume.Volume;

/**
 * Reads a volume choosing the format by file name, as the datastore stores them: NIfTI ({@code .nii},
 * {@code .nii.gz}; a 4D file gives its first volume) and attached NRRD ({@code .nrrd}, {@code .seg.nrrd}).
 */
public final class VolumeReader {

    private final NiftiReader nifti;
    private final NrrdReader nrrd;

    /** @param maxVoxels the most voxels (values, for multi-channel NRRD) a file may declare; checked from the header */
    public VolumeReader(long maxVoxels) {
        this.nifti = new NiftiReader(maxVoxels);
        this.nrrd = new NrrdReader(maxVoxels);
    }

    /**
     * Reads the volume from {@code in}, which is consumed but not closed; a 4D NIfTI's volumes become its channels
     * (several MR sequences of one scan, as multi-channel models take them).
     */
    public Volume read(InputStream in, String fileName) throws IOException {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".nii") || name.endsWith(".nii.gz")) {
            return nifti.read(in, NiftiReader.ALL_VOLUMES);
        }
        if (name.endsWith(".nrrd")) {
            // The NRRD header is parsed a byte at a time; null refuses detached data files.
            return nrrd.read(new BufferedInputStream(in, 1 << 16), null).volume();
        }
        throw new ImageFormatException(
                "unsupported file type '" + fileName + "': NIfTI (.nii, .nii.gz) and NRRD (.nrrd) are read");
    }
}
