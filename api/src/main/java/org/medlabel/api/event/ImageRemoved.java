package org.medlabel.api.event;

import java.util.Objects;

/** An image and all its labels were removed from the datastore. */
public record ImageRemoved(EventMeta meta, String imageId) implements Event {

    public ImageRemoved {
        Objects.requireNonNull(meta, "meta");
        Require.text(imageId, "imageId");
    }

    public static ImageRemoved of(String imageId) {
        return new ImageRemoved(EventMeta.now(), imageId);
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
