package org.medlabel.api.event;

import java.util.Objects;

/**
 * A new version of {@code model} is in the object store at {@code objectKey}; inference replicas switch to it.
 * {@code dice} is its validation mean Dice (null for imported models); {@code jobId} the training job that made it
 * (null for imported models).
 */
public record ModelPublished(EventMeta meta, String model, int version, String objectKey, Double dice, String jobId)
        implements Event {

    public ModelPublished {
        Objects.requireNonNull(meta, "meta");
        Require.text(model, "model");
        Require.text(objectKey, "objectKey");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
    }

    public static ModelPublished of(String model, int version, String objectKey, Double dice, String jobId) {
        return new ModelPublished(EventMeta.now(), model, version, objectKey, dice, jobId);
    }

    @Override
    public String topic() {
        return Topics.MODELS;
    }

    @Override
    public String key() {
        return model;
    }
}
