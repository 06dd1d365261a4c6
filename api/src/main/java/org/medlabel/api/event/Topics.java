package org.medlabel.api.event;

import java.util.List;

/** Kafka topic names. Services refer to topics through these constants (or {@link Event#topic()}), never literals. */
public final class Topics {
    /** {@link ImageAdded} and {@link ImageRemoved}, keyed by image id. */
    public static final String IMAGES = "medlabel.images";
    /** {@link LabelSaved}, keyed by image id. */
    public static final String LABELS = "medlabel.labels";
    /** {@link TrainRequested}, keyed by model name. */
    public static final String TRAIN_REQUESTS = "medlabel.train.requests";
    /** {@link TrainProgress}, keyed by model name. */
    public static final String TRAIN_PROGRESS = "medlabel.train.progress";
    /** {@link ModelPublished}, keyed by model name. */
    public static final String MODELS = "medlabel.models";

    /** All topics, for tooling that pre-creates them. */
    public static final List<String> ALL = List.of(IMAGES, LABELS, TRAIN_REQUESTS, TRAIN_PROGRESS, MODELS);

    private Topics() {}
}
