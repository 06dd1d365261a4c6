package org.medlabel.imaging.io;

import java.io.IOException;

/**
 * A file that is not a valid image of its claimed format, or uses a feature MedLabel does not read. The message says
 * what is wrong in terms a user can act on; it is thrown before any voxel memory is allocated where the header alone
 * shows the problem.
 */
public class ImageFormatException extends IOException {
    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
