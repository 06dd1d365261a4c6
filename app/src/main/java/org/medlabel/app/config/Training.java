package org.medlabel.app.config;

import java.util.List;

/**
 * How a model is trained, every key optional (the defaults are MONAI Label's where it has one). {@code threshold} new
 * final labels start a job, or fewer once {@code debounceSeconds} passed since the last one; a request's MONAI Label
 * params ({@code max_epochs}, {@code train_batch_size}, {@code val_batch_size}, {@code val_split},
 * {@code early_stop_patience}, {@code learning_rate}) override the matching values per job. Each epoch draws
 * {@code samplesPerImage} random {@code patch} crops per training image, centred on foreground with probability
 * {@code positive / (positive + negative)}, each axis flipped with {@code flipProbability}.
 */
public record Training(
        Boolean enabled,
        Integer threshold,
        Integer debounceSeconds,
        Integer maxEpochs,
        Integer earlyStopPatience,
        Double valSplit,
        Integer trainBatchSize,
        Integer valBatchSize,
        Double learningRate,
        List<Integer> patch,
        Integer samplesPerImage,
        Double positive,
        Double negative,
        Double flipProbability,
        Double maxGradNorm) {

    /** Every value set: the given ones, the rest defaulted. */
    public Training resolved() {
        return new Training(
                enabled == null || enabled,
                or(threshold, 1),
                or(debounceSeconds, 60),
                or(maxEpochs, 50),
                or(earlyStopPatience, -1),
                or(valSplit, 0.2),
                or(trainBatchSize, 1),
                or(valBatchSize, 1),
                or(learningRate, 1e-4),
                patch == null ? List.of(96, 96, 96) : List.copyOf(patch),
                or(samplesPerImage, 4),
                or(positive, 1.0),
                or(negative, 1.0),
                or(flipProbability, 0.1),
                or(maxGradNorm, 0.0));
    }

    /** Nothing set: all defaults. */
    public static Training defaults() {
        return new Training(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null)
                .resolved();
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
