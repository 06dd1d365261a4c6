package org.medlabel.api.event;

import java.util.Objects;

/** An image was stored: its bytes are at {@code objectKey} in the object store. */
public record ImageAdded(EventMeta meta, String imageId, String objectKey, long sizeBytes) implements Event {

    public ImageAdded {
        Objects.requireNonNull(meta, "meta");
        Require.text(imageId, "imageId");
        Require.text(objectKey, "objectKey");
        Require.nonNegative(sizeBytes, "sizeBytes");
    }

    public static ImageAdded of(String imageId, String objectKey, long sizeBytes) {
        return new ImageAdded(EventMeta.now(), imageId, objectKey, sizeBytes);
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
