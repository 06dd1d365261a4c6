package org.medlabel.api.event;

import java.util.Map;
import java.util.Objects;

/**
 * A user asked to train {@code model} ({@code POST /train/{model}}). {@code params} are the request's MONAI Label
 * training parameters as the client sent them (e.g. {@code max_epochs}); the training service validates them.
 * {@code enqueue} queues the job behind a running one instead of being refused.
 */
public record TrainRequested(EventMeta meta, String model, Map<String, Object> params, boolean enqueue)
        implements Event {

    public TrainRequested {
        Objects.requireNonNull(meta, "meta");
        Require.text(model, "model");
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    public static TrainRequested of(String model, Map<String, Object> params, boolean enqueue) {
        return new TrainRequested(EventMeta.now(), model, params, enqueue);
    }

    @Override
    public String topic() {
        return Topics.TRAIN_REQUESTS;
    }

    @Override
    public String key() {
        return model;
    }
}
