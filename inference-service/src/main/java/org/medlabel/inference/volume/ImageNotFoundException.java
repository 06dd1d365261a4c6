package org.medlabel.inference.volume;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** The datastore has no image (or session) with this id (the service answers 404). */
public class ImageNotFoundException extends RuntimeException implements CodedError {
    public ImageNotFoundException(String imageId) {
        this("image", imageId);
    }

    /** {@code what}: {@code image} or {@code session}. */
    public ImageNotFoundException(String what, String id) {
        super(what + " '" + id + "' not found");
    }

    @Override
    public InferenceError code() {
        return InferenceError.IMAGE_NOT_FOUND;
    }
}
