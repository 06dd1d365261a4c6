package org.medlabel.training.task;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.medlabel.training.config.TrainingConfig;
import org.medlabel.training.job.InvalidTrainRequestException;

/**
 * MONAI Label's batch inference and scoring as durable tasks: started, listed, polled and stopped through any training
 * replica (and so through any gateway replica), one active task per kind cluster-wide, run by {@link ImageTaskRunner}.
 *
 * <ul>
 *   <li>batch inference: a model over {@code all}, {@code labeled} or {@code unlabeled} images, each result saved as
 *       the image's {@code label_tag} label ({@code original} by default) with MONAI Label's info {@code {model,
 *       params}};
 *   <li>scoring {@code dice} (each labeled image's {@code y} against {@code y_pred}, by the datastore), {@code sum}
 *       (each image's label sums), {@code <model>_epistemic} (each unlabeled image scored by inference into its info,
 *       for the {@code epistemic} strategy).
 * </ul>
 *
 * <p>With {@code medlabel.training.scoring-auto-update} (MONAI Label's {@code MONAI_LABEL_AUTO_UPDATE_SCORING}) the
 * epistemic scores are kept up to date in the background: after a next-sample answer, and once per segmentation model
 * version served, each segmentation model scores the unlabeled images whose score is missing or from another version.
 */
@ApplicationScoped
public class ImageTasks {

    private final ImageTaskStore store;
    private final ImageTaskRunner runner;
    private final InferenceClient inference;
    private final boolean autoUpdate;

    public ImageTasks(ImageTaskStore store, ImageTaskRunner runner, InferenceClient inference, TrainingConfig config) {
        this.store = store;
        this.runner = runner;
        this.inference = inference;
        this.autoUpdate = config.scoringAutoUpdate();
    }

    /** Starts a batch inference of {@code model} over {@code images} (all when null) with MONAI Label's batch body. */
    public ImageTask batchInfer(String model, String images, Map<String, Object> body) {
        String selection = images == null || images.isEmpty() ? "all" : images;
        try {
            ImageWork.selection(selection);
        } catch (IllegalArgumentException e) {
            throw new InvalidTrainRequestException(e.getMessage());
        }
        Map<String, Object> request = new HashMap<>(body);
        request.put("model", model);
        request.put("images", selection);
        return start(ImageTask.Kind.BATCH_INFER, model, request);
    }

    /**
     * Starts scoring {@code method}; null is MONAI Label's "every method", here the first segmentation model's
     * epistemic scoring (which the epistemic strategy needs), or {@code sum} when there is none.
     */
    public ImageTask score(String method, Map<String, Object> body) {
        Map<String, Object> request = new HashMap<>(body);
        if (method == null) {
            Map<String, Integer> models = segmentationModels();
            method = models.isEmpty() ? "sum" : models.keySet().iterator().next() + ImageWork.EPISTEMIC;
        }
        request.put("method", method);
        if (method.equals("dice") || method.equals("sum")) {
            return start(ImageTask.Kind.SCORING, null, request);
        }
        Map<String, Integer> models = segmentationModels();
        String model = method.endsWith(ImageWork.EPISTEMIC)
                ? method.substring(0, method.length() - ImageWork.EPISTEMIC.length())
                : "";
        if (!models.containsKey(model)) {
            List<String> offered = new ArrayList<>(List.of("dice", "sum"));
            models.keySet().forEach(m -> offered.add(m + ImageWork.EPISTEMIC));
            throw new NoSuchTaskException("scoring method '" + method + "' is not available (available: "
                    + String.join(", ", offered.stream().sorted().toList()) + ")");
        }
        request.put("model", model);
        return start(ImageTask.Kind.SCORING, model, request);
    }

    /**
     * Brings the epistemic scores up to date in the background (auto-update on; nothing while a scoring task is
     * active): after a next sample ({@code served} null), or when {@code served} holds a segmentation model version
     * not rescored before. Returns whether a run was started.
     */
    public boolean autoUpdate(String reason, Map<String, Integer> served) {
        if (!autoUpdate) {
            return false;
        }
        String why = reason;
        if (served != null) {
            List<String> changed = store.newVersions(served);
            if (changed.isEmpty()) {
                return false;
            }
            why = "serving " + String.join(", ", changed);
        }
        if (!store.list(ImageTask.Kind.SCORING, true, 1).isEmpty()) {
            return false;
        }
        List<Supplier<UUID>> runs = new ArrayList<>();
        for (Map.Entry<String, Integer> model : segmentationModels().entrySet()) {
            Map<String, Object> request = new HashMap<>();
            request.put("method", model.getKey() + ImageWork.EPISTEMIC);
            request.put("model", model.getKey());
            request.put("version", model.getValue());
            request.put("auto", why);
            // a run a user started meanwhile goes first: the chain ends there
            runs.add(
                    () -> store.insert(ImageTask.Kind.SCORING, model.getKey(), request, runner.worker(), runner.lease())
                            .map(ImageTask::id)
                            .orElse(null));
        }
        runner.submitChain(runs);
        return !runs.isEmpty();
    }

    /** Asks the active task of {@code kind} to stop after the image in progress; the task, if one was active. */
    public Optional<ImageTask> stop(ImageTask.Kind kind) {
        return store.requestStop(kind);
    }

    /** The tasks of a kind, newest first: every one kept, the latest, or the active one. */
    public List<ImageTask> status(ImageTask.Kind kind, boolean all, boolean running) {
        List<ImageTask> found = store.list(kind, running, all ? ImageTaskStore.HISTORY : 1);
        if (found.isEmpty() && !all) {
            throw new NoSuchTaskException(
                    running
                            ? "No " + kind.monaiName + " Tasks are currently Running"
                            : "No " + kind.monaiName + " Tasks Found");
        }
        return found;
    }

    public ImageTask get(UUID id) {
        return store.find(id).orElseThrow(() -> new NoSuchTaskException("task " + id + " not found"));
    }

    private ImageTask start(ImageTask.Kind kind, String model, Map<String, Object> request) {
        ImageTask task = store.insert(kind, model, request, runner.worker(), runner.lease())
                .orElseThrow(() -> new TaskRunningException(kind));
        runner.submit(task.id());
        return task;
    }

    /** The automatic segmentation models inference serves, by name, with their versions. */
    private Map<String, Integer> segmentationModels() {
        Map<String, Integer> segmentation = new TreeMap<>();
        inference.models().forEach((name, model) -> {
            if ("segmentation".equals(model.type())) {
                segmentation.put(name, model.version());
            }
        });
        return segmentation;
    }
}
