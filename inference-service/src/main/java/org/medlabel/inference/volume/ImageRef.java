package org.medlabel.inference.volume;

import java.util.Objects;

/**
 * What the datastore says about an image: enough to fetch and decode it ({@code fileName} gives the format) and, with
 * {@code sha256}, to tell a cached decode from a re-upload under the same id.
 */
public record ImageRef(String id, String fileName, String sha256, long sizeBytes) {
    public ImageRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sha256, "sha256");
    }
}
