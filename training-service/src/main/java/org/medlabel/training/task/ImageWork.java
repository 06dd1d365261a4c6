package org.medlabel.training.task;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.datastore.DatastoreNotFoundException;

/**
 * What a task does: which datastore images it covers and what it does to each, rebuilt from the task's request alone
 * (so a replica that takes over a task does exactly what the one that started it would have).
 */
record ImageWork(String verb, Predicate<DatastoreClient.Entry> selection, PerImage perImage) {

    /** One image's work: its outcome (written into the task's result), or an exception (recorded, the run goes on). */
    @FunctionalInterface
    interface PerImage {
        Map<String, Object> apply(String image) throws Exception;
    }

    /** Keys of MONAI Label's batch body that configure the run rather than the inference. */
    static final Set<String> RUN_KEYS = Set.of(
            "model",
            "images",
            "device",
            "multi_gpu",
            "gpus",
            "logging",
            "save_label",
            "label_tag",
            "max_workers",
            "max_batch_size");

    /** An epistemic method's name: the model's, then this. */
    static final String EPISTEMIC = "_epistemic";

    /** Images by name as MONAI Label's batch body gives them: all, labeled (with a final label), unlabeled. */
    static Predicate<DatastoreClient.Entry> selection(String name) {
        return switch (name) {
            case "all" -> entry -> true;
            case "labeled" -> DatastoreClient.Entry::labeled;
            case "unlabeled" -> entry -> !entry.labeled();
            default ->
                throw new IllegalArgumentException("images must be all, labeled or unlabeled, was '" + name + "'");
        };
    }

    static ImageWork of(ImageTask task, DatastoreClient datastore, InferenceClient inference) {
        Map<String, Object> request = task.request();
        if (task.kind() == ImageTask.Kind.BATCH_INFER) {
            String tag = String.valueOf(request.getOrDefault("label_tag", "original"));
            Map<String, Object> params = new HashMap<>(request);
            RUN_KEYS.forEach(params::remove);
            return new ImageWork(
                    "inferring",
                    selection(String.valueOf(request.getOrDefault("images", "all"))),
                    image -> batchInfer(datastore, inference, task.model(), image, tag, params));
        }
        String method = String.valueOf(request.get("method"));
        return switch (method) {
            case "dice" ->
                new ImageWork(
                        "dice of",
                        selection("labeled"),
                        image -> labelScore(
                                datastore,
                                image,
                                "dice",
                                String.valueOf(request.getOrDefault("y", "final")),
                                String.valueOf(request.getOrDefault("y_pred", "original"))));
            case "sum" ->
                new ImageWork(
                        "label sums of", selection("all"), image -> labelScore(datastore, image, "sum", null, null));
            default -> {
                int samples = ((Number) request.getOrDefault("num_samples", 5)).intValue();
                Predicate<DatastoreClient.Entry> images = selection("unlabeled");
                if (request.get("version") instanceof Number version) {
                    images = images.and(entry -> stale(entry, version.intValue()));
                }
                yield new ImageWork(
                        "epistemic scores of",
                        images,
                        image -> epistemic(datastore, inference, task.model(), image, samples));
            }
        };
    }

    /** Whether an image's epistemic score is missing or was computed by another version than {@code version}. */
    static boolean stale(DatastoreClient.Entry entry, int version) {
        return !(entry.info().get("epistemic_ts") instanceof Number n) || n.longValue() != version;
    }

    /** MONAI Label's batch inference of one image: the result saved under {@code tag} with info {model, params}. */
    private static Map<String, Object> batchInfer(
            DatastoreClient datastore,
            InferenceClient inference,
            String model,
            String image,
            String tag,
            Map<String, Object> params) {
        InferenceClient.Result result = inference.infer(model, image, params);
        datastore.saveLabel(
                image, tag, Map.of("model", model, "params", result.json()), result.fileName(), result.label());
        Map<String, Object> outcome = new HashMap<>();
        outcome.put("label", image);
        outcome.put("tag", tag);
        outcome.put("model_version", result.json().get("model_version"));
        return outcome;
    }

    /** The datastore scores one image's labels; a missing label skips the image. */
    private static Map<String, Object> labelScore(
            DatastoreClient datastore, String image, String method, String y, String yPred) {
        try {
            return datastore.score(image, method, y, yPred);
        } catch (DatastoreNotFoundException e) {
            return Map.of("skipped", e.detail());
        }
    }

    /** Inference scores one image; the score goes into the image's info (the epistemic strategy ranks by it). */
    private static Map<String, Object> epistemic(
            DatastoreClient datastore, InferenceClient inference, String model, String image, int samples) {
        Map<String, Object> score = inference.epistemic(model, image, samples);
        Map<String, Object> info = new HashMap<>();
        info.put("epistemic_entropy", score.get("epistemic_entropy"));
        info.put("epistemic_ts", score.get("epistemic_ts"));
        datastore.mergeImageInfo(image, info);
        return info;
    }
}
