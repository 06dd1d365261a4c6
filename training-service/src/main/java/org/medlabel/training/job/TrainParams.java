package org.medlabel.training.job;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.medlabel.app.config.Training;

/**
 * A job's settings: the model's {@code training} section overridden by the request's MONAI Label params. Keys MONAI
 * Label's trainers accept but that mean nothing here (its data loaders, GPUs, experiment tracking...) are accepted and
 * ignored, so clients that send the trainer config back work unchanged; any other key is refused, naming it.
 * MedLabel's {@code seed} draws the job's random crops and augmentation from it, so that a job on the same data from
 * the same weights can be repeated; without it each job draws from its own id.
 */
public record TrainParams(
        int maxEpochs,
        int earlyStopPatience,
        double valSplit,
        int trainBatchSize,
        int cropsPerStep,
        int valBatchSize,
        double learningRate,
        boolean pretrained,
        OptionalLong seed,
        Training settings) {

    /** Who asked for the job (the authenticated user), kept in its request; never a train param of its own. */
    public static final String REQUESTED_BY = "requested_by";

    private static final Set<String> IGNORED = Set.of(
            "name",
            "device",
            "multi_gpu",
            "gpus",
            "dataset",
            "dataloader",
            "tracking",
            "tracking_uri",
            "tracking_experiment_name",
            "client_id",
            REQUESTED_BY,
            "model",
            "run_id",
            "train_ds",
            "val_ds");

    private static final Set<String> USED = Set.of(
            "max_epochs",
            "early_stop_patience",
            "val_split",
            "train_batch_size",
            "val_batch_size",
            "learning_rate",
            "lr",
            "crops_per_step",
            "pretrained",
            "seed");

    /** The settings of a job for a model trained as {@code t}, with {@code params} from the request. */
    public static TrainParams of(Training t, Map<String, Object> params) {
        Set<String> unknown = new TreeSet<>(params.keySet());
        unknown.removeAll(IGNORED);
        unknown.removeAll(USED);
        if (!unknown.isEmpty()) {
            throw new InvalidTrainRequestException("unknown train params " + unknown + "; known: " + new TreeSet<>(USED)
                    + " (and MONAI Label's " + new TreeSet<>(IGNORED) + ", accepted and ignored)");
        }
        int maxEpochs = integer(params, "max_epochs", t.maxEpochs(), 1, 100_000);
        int patience = integer(params, "early_stop_patience", t.earlyStopPatience(), -1, 100_000);
        double valSplit = real(params, "val_split", t.valSplit(), 0, 0.99);
        int trainBatch = integer(params, "train_batch_size", t.trainBatchSize(), 1, 256);
        int cropsPerStep = integer(params, "crops_per_step", t.cropsPerStep(), 1, t.samplesPerImage());
        if (t.samplesPerImage() % cropsPerStep != 0) {
            throw new InvalidTrainRequestException("'crops_per_step' must divide the model's " + t.samplesPerImage()
                    + " crops per image, was " + cropsPerStep);
        }
        int valBatch = integer(params, "val_batch_size", t.valBatchSize(), 1, 256);
        double lr = real(params, params.containsKey("lr") ? "lr" : "learning_rate", t.learningRate(), 1e-9, 1);
        return new TrainParams(
                maxEpochs,
                patience <= 0 ? -1 : patience,
                valSplit,
                trainBatch,
                cropsPerStep,
                valBatch,
                lr,
                bool(params, "pretrained"),
                params.containsKey("seed")
                        ? OptionalLong.of((long) integer(params, "seed", 0, 0, Integer.MAX_VALUE))
                        : OptionalLong.empty(),
                t);
    }

    /**
     * MONAI Label's {@code pretrained} (default true): start from the weights served (imported or trained), or, when
     * false, from the network's fresh initialisation.
     */
    private static boolean bool(Map<String, Object> params, String key) {
        Object value = params.get(key);
        if (value == null || value instanceof Boolean) {
            return value == null || (Boolean) value;
        }
        String s = String.valueOf(value).trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s); // Slicer's options table sends text
        }
        throw new InvalidTrainRequestException("'" + key + "' must be true or false, was " + value);
    }

    private static int integer(Map<String, Object> params, String key, int fallback, int min, int max) {
        double v = real(params, key, fallback, min, max);
        if (v != Math.rint(v)) {
            throw new InvalidTrainRequestException("'" + key + "' must be a whole number, was " + params.get(key));
        }
        return (int) v;
    }

    private static double real(Map<String, Object> params, String key, double fallback, double min, double max) {
        Object value = params.get(key);
        if (value == null) {
            return fallback;
        }
        double v;
        if (value instanceof Number n) {
            v = n.doubleValue();
        } else if (value instanceof String s) {
            // Slicer's trainer-options table sends what the user typed, as text.
            try {
                v = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw new InvalidTrainRequestException("'" + key + "' must be a number, was \"" + s + "\"");
            }
        } else {
            throw new InvalidTrainRequestException("'" + key + "' must be a number, was " + value);
        }
        if (!(v >= min && v <= max)) {
            throw new InvalidTrainRequestException(
                    "'" + key + "' must be in [" + num(min) + ", " + num(max) + "], was " + value);
        }
        return v;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
