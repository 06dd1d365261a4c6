package org.medlabel.app.config;

import java.util.List;
import org.medlabel.ml.train.Loss;
import org.medlabel.ml.train.Optimizer;

/**
 * How a model is trained, every key optional (the defaults are MONAI Label's where it has one). {@code threshold} new
 * final labels start a job, or fewer once {@code debounceSeconds} passed since the last one; a request's MONAI Label
 * params ({@code max_epochs}, {@code train_batch_size}, {@code val_batch_size}, {@code val_split},
 * {@code early_stop_patience}, {@code learning_rate}) override the matching values per job. Each epoch draws
 * {@code samplesPerImage} random {@code patch} crops per training image, centred on foreground with probability
 * {@code positive / (positive + negative)}, each axis flipped with {@code flipProbability}, turned by 1-3 quarter
 * turns in x-y with {@code rotate90Probability} (MONAI's {@code RandRotate90d}, max_k 3; needs a patch square in x and
 * y). {@code optimizer} ({@code adam} or {@code adamw}, PyTorch's) with {@code weightDecay} (default: PyTorch's, 0 for Adam and 0.01 for
 * AdamW), and {@code loss} ({@code dice_ce} or {@code dice}, MONAI's) with its {@code squaredPred} and
 * {@code batchDice} ({@code squared_pred}, {@code batch}) follow the model's MONAI Label trainer. {@code cpuArena}
 * overrides the training service's {@code medlabel.training.cpu-arena} for this model's steps (unset: the service's):
 * the click models' large 2-D slices and 3-D volumes peak lower without ONNX Runtime's arena, 96³ crops with it.
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
        Integer cropsPerStep,
        Double positive,
        Double negative,
        Double flipProbability,
        Double shiftIntensity,
        Double shiftProbability,
        Double rotate90Probability,
        Boolean cropForeground,
        Double maxGradNorm,
        String optimizer,
        Double weightDecay,
        String loss,
        Boolean squaredPred,
        Boolean batchDice,
        Boolean cpuArena) {

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
                or(cropsPerStep, or(samplesPerImage, 4)),
                or(positive, 1.0),
                or(negative, 1.0),
                or(flipProbability, 0.1),
                or(shiftIntensity, 0.0),
                or(shiftProbability, 0.5),
                or(rotate90Probability, 0.0),
                or(cropForeground, false),
                or(maxGradNorm, 0.0),
                or(optimizer, "adam"),
                or(weightDecay, "adamw".equals(optimizer) ? 0.01 : 0.0),
                or(loss, "dice_ce"),
                or(squaredPred, false),
                or(batchDice, false),
                cpuArena);
    }

    /** Nothing set: all defaults. */
    public static Training defaults() {
        return new Training(
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null)
                .resolved();
    }

    /** MONAI's loss with this trainer's options ({@link #resolved} values). */
    public Loss lossFunction() {
        var kind = "dice".equals(loss) ? Loss.Kind.DICE : Loss.Kind.DICE_CE;
        return new Loss(kind, null, Boolean.TRUE.equals(squaredPred), Boolean.TRUE.equals(batchDice));
    }

    /** PyTorch's Adam or AdamW with this trainer's weight decay ({@link #resolved} values). */
    public Optimizer.Adam optimizerFunction() {
        return "adamw".equals(optimizer)
                ? Optimizer.Adam.adamW(weightDecay)
                : new Optimizer.Adam(0.9, 0.999, 1e-8, weightDecay, false);
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
