package org.medlabel.api.event;

import java.util.Objects;

/**
 * A label was saved for an image. {@code tag} is MONAI Label's label tag ({@code final} for labels fit to train on,
 * {@code original} for model output); {@code version} counts saves of the same image and tag, from 1; {@code sha256} is the stored object's checksum (hex); {@code scope} what the label says it annotates
 * ({@link LabelScope#UNDECLARED} when absent, as in events of older producers). Where the bytes lie is the datastore's
 * business: consumers read a label through its API.
 */
public record LabelSaved(EventMeta meta, String imageId, String tag, int version, String sha256, LabelScope scope)
        implements Event {

    /** The tag of labels an annotator approved; only these trigger training. */
    public static final String FINAL_TAG = "final";

    public LabelSaved {
        Objects.requireNonNull(meta, "meta");
        Require.text(imageId, "imageId");
        Require.text(tag, "tag");
        Require.text(sha256, "sha256");
        scope = scope == null ? LabelScope.UNDECLARED : scope;
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
    }

    public static LabelSaved of(String imageId, String tag, int version, String sha256, LabelScope scope) {
        return new LabelSaved(EventMeta.now(), imageId, tag, version, sha256, scope);
    }

    @Override
    public String topic() {
        return Topics.LABELS;
    }

    @Override
    public String key() {
        return imageId;
    }
}
