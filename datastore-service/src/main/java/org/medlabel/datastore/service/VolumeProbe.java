package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.imaging.io.ImageFormatException;
import org.medlabel.imaging.io.ImageHeader;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NrrdReader;

/**
 * Checks an uploaded file before it is stored: the format from its extension, then the whole file read through (header,
 * every voxel byte, the gzip checksum) without keeping the voxels. A truncated or malformed file, or one declaring more
 * voxels than allowed, is refused with the reason.
 */
@ApplicationScoped
public class VolumeProbe {

    /** The formats the datastore accepts. */
    public enum Format {
        NIFTI,
        NRRD;

        public static Format of(String ext) {
            String e = ext.toLowerCase(Locale.ROOT);
            if (e.endsWith(".nii") || e.endsWith(".nii.gz")) {
                return NIFTI;
            }
            if (e.endsWith(".nrrd")) {
                return NRRD;
            }
            throw new DatastoreException(
                    ErrorCode.UNSUPPORTED_FORMAT,
                    "unsupported file type '" + ext + "': send NIfTI (.nii, .nii.gz) or NRRD (.nrrd)");
        }
    }

    private final long maxVoxels;

    public VolumeProbe(DatastoreConfig config) {
        this.maxVoxels = config.maxVoxels();
    }

    public ImageHeader probe(Path file, Format format) {
        try (InputStream in = Files.newInputStream(file)) {
            return format == Format.NIFTI ? new NiftiReader(maxVoxels).probe(in) : new NrrdReader(maxVoxels).probe(in);
        } catch (ImageFormatException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, "not a valid " + format + " file: " + e.getMessage());
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_IMAGE, "not a valid " + format + " file: " + e);
        }
    }
}
