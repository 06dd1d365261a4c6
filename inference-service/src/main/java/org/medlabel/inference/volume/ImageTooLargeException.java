package org.medlabel.inference.volume;

import java.io.IOException;
import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** An image with more voxels than inference accepts, refused before its voxels are allocated (the service answers 413). */
public class ImageTooLargeException extends IOException implements CodedError {
    public ImageTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public InferenceError code() {
        return InferenceError.IMAGE_TOO_LARGE;
    }
}
