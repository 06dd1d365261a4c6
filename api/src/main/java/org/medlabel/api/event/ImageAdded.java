package org.medlabel.api.event;

import java.util.Objects;

/** An image was stored: its bytes are at {@code objectKey} in the object store, with SHA-256 {@code sha256} (hex). */
public record ImageAdded(EventMeta meta, String imageId, String objectKey, long sizeBytes, String sha256)
        implements Event {

    public ImageAdded {
        Objects.requireNonNull(meta, "meta");
        Require.text(imageId, "imageId");
        Require.text(objectKey, "objectKey");
        Require.nonNegative(sizeBytes, "sizeBytes");
        Require.text(sha256, "sha256");
    }

    public static ImageAdded of(String imageId, String objectKey, long sizeBytes, String sha256) {
        return new ImageAdded(EventMeta.now(), imageId, objectKey, sizeBytes, sha256);
    }

    @Override
    public String topic() {
        return Topics.IMAGES;
    }

    @Override
    public String key() {
        return imageId;
    }
}
