package org.medlabel.inference.volume;

/** The datastore has no image (or session) with this id (the service answers 404). */
public class ImageNotFoundException extends RuntimeException {
    public ImageNotFoundException(String imageId) {
        this("image", imageId);
    }

    /** {@code what}: {@code image} or {@code session}. */
    public ImageNotFoundException(String what, String id) {
        super(what + " '" + id + "' not found");
    }
}
