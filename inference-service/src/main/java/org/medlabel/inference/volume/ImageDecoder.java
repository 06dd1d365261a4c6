package org.medlabel.inference.volume;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.medlabel.imaging.io.ImageFormatException;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * Decodes an image stream to a {@link Volume}, choosing the format by file name as the datastore does: NIfTI
 * ({@code .nii}, {@code .nii.gz}) and attached NRRD ({@code .nrrd}). A 4D NIfTI gives its first volume.
 */
@ApplicationScoped
public class ImageDecoder {

    private final long maxVoxels;
    private final VolumeReader reader;

    /**
     * @param maxVoxels the most voxels (values, for multi-channel NRRD) an image may have; checked from the header, so a
     *     huge image fails before its voxels are allocated. The default 2^28 is a 512x512x1024 CT.
     */
    public ImageDecoder(
            @ConfigProperty(name = "medlabel.inference.max-voxels", defaultValue = "268435456") long maxVoxels) {
        if (maxVoxels < 1) {
            throw new IllegalArgumentException("maxVoxels must be >= 1, was " + maxVoxels);
        }
        // Clamped as the readers clamp it, so the limit they name in their messages is this one.
        this.maxVoxels = Math.min(maxVoxels, VoxelBuffer.MAX_LENGTH);
        this.reader = new VolumeReader(this.maxVoxels);
    }

    /** Reads the image from {@code in}, which is consumed but not closed. */
    public Volume decode(InputStream in, String fileName) throws IOException {
        try {
            return reader.read(in, fileName);
        } catch (ImageFormatException e) {
            throw tooLarge(e) ? new ImageTooLargeException(fileName + ": " + e.getMessage(), e) : e;
        }
    }

    /**
     * The readers report the voxel limit as a plain {@link ImageFormatException}; its message, which names our limit,
     * is the only way to tell it from a corrupt file (ImageDecoderTest pins it for both formats).
     */
    private boolean tooLarge(ImageFormatException e) {
        return e.getMessage() != null && e.getMessage().contains("exceeds the limit of " + maxVoxels);
    }
}
