package org.medlabel.inference.volume;

/** The datastore has no image with this id (the service answers 404). */
public class ImageNotFoundException extends RuntimeException {
    public ImageNotFoundException(String imageId) {
        super("image '" + imageId + "' not found");
    }
}
