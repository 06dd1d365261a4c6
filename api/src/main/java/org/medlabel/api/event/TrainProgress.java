package org.medlabel.api.event;

import java.util.Objects;

/**
 * Progress of a training job. {@code epoch} counts completed epochs out of {@code totalEpochs}; {@code loss} and
 * {@code dice} are the last epoch's training loss and validation mean Dice, null until known.
 */
public record TrainProgress(
        EventMeta meta,
        String jobId,
        String model,
        JobStatus status,
        int epoch,
        int totalEpochs,
        Double loss,
        Double dice,
        String message)
        implements Event {

    public TrainProgress {
        Objects.requireNonNull(meta, "meta");
        Require.text(jobId, "jobId");
        Require.text(model, "model");
        Objects.requireNonNull(status, "status");
        if (epoch < 0 || totalEpochs < 0 || epoch > totalEpochs) {
            throw new IllegalArgumentException("need 0 <= epoch <= totalEpochs, was " + epoch + "/" + totalEpochs);
        }
    }

    public static TrainProgress of(
            String jobId,
            String model,
            JobStatus status,
            int epoch,
            int totalEpochs,
            Double loss,
            Double dice,
            String message) {
        return new TrainProgress(EventMeta.now(), jobId, model, status, epoch, totalEpochs, loss, dice, message);
    }

    @Override
    public String topic() {
        return Topics.TRAIN_PROGRESS;
    }

    @Override
    public String key() {
        return model;
    }
}
