package org.medlabel.inference.volume;

import java.io.IOException;

/** An image with more voxels than inference accepts, refused before its voxels are allocated (the service answers 413). */
public class ImageTooLargeException extends IOException {
    public ImageTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
