package org.medlabel.training.job;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.medlabel.api.event.LabelScope;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.Training;
import org.medlabel.training.data.LabelCoverage;

/** Starting and stopping jobs, for the REST API and the event consumers alike. */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    private final JobStore store;
    private final AppDefinition app;
    private final Map<String, Training> trainable = new LinkedHashMap<>();
    private final Map<String, String> untrainable = new LinkedHashMap<>();
    /** Models whose job did not fit the worker's memory: no more automatic jobs for them (a request still runs). */
    private final Set<String> unfit = ConcurrentHashMap.newKeySet();

    public JobService(JobStore store, AppDefinition app) {
        this.store = store;
        this.app = app;
        app.models().forEach((name, model) -> {
            Training t = model.trainingSettings();
            if (!t.enabled()) {
                untrainable.put(name, "training is disabled for it in the app ('training.enabled: false')");
            } else {
                trainable.put(name, t);
            }
        });
    }

    /** The models that train, with their settings. */
    public Map<String, Training> trainable() {
        return trainable;
    }

    /**
     * A job for {@code model} with MONAI Label train {@code params}.
     *
     * @throws UnknownModelException for a model the app does not have
     * @throws InvalidTrainRequestException for an untrainable model or bad params
     * @throws JobConflictException when one is active and {@code enqueue} is false
     */
    public Job submit(String model, Map<String, Object> params, boolean enqueue, String requestedBy) {
        return submit(model, params, enqueue, null, requestedBy).orElseThrow();
    }

    /**
     * As {@link #submit(String, Map, boolean, String)} for a request event: empty when the event was handled before.
     * {@code requestedBy} (the authenticated user, null when auth is off) is kept in the job's request.
     */
    public Optional<Job> submit(
            String model, Map<String, Object> params, boolean enqueue, UUID eventId, String requestedBy) {
        Training t = trainable.get(model);
        if (t == null) {
            if (!untrainable.containsKey(model)) {
                throw new UnknownModelException(model, trainable.keySet());
            }
            throw new InvalidTrainRequestException(
                    "model '" + model + "' cannot be trained: " + untrainable.get(model));
        }
        TrainParams p = TrainParams.of(t, params);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("model", model);
        request.putAll(params);
        request.remove(TrainParams.REQUESTED_BY);
        if (requestedBy != null) {
            request.put(TrainParams.REQUESTED_BY, requestedBy);
        }
        return store.submit(model, Job.BY_REQUEST, request, p.maxEpochs(), enqueue, eventId);
    }

    /**
     * Stops automatic jobs for a model whose job could not fit in memory: they would fail the same way at every
     * label. Logged once; a restart of the service (with more memory, say) tries again.
     */
    public void doesNotFit(String model, String reason) {
        if (unfit.add(model)) {
            LOG.warnf("no more automatic training jobs for %s until this service restarts: %s", model, reason);
        }
    }

    /**
     * Counts a final label (once per event) for every trainable model it may train: not for one whose structures its
     * declared {@code scope} misses ({@link LabelCoverage}); returns the jobs it started.
     */
    public List<Job> labelSaved(UUID eventId, LabelScope scope) {
        Map<String, Integer> thresholds = new LinkedHashMap<>();
        automatic().forEach((m, t) -> {
            if (LabelCoverage.of(m, app.models().get(m), scope) != LabelCoverage.Verdict.MISSES) {
                thresholds.put(m, t.threshold());
            }
        });
        return store.countLabel(eventId, thresholds, epochs());
    }

    /** Jobs for models whose pending labels reached their threshold or waited out their debounce interval. */
    public List<Job> startDue() {
        Map<String, Integer> thresholds = new LinkedHashMap<>();
        Map<String, Duration> quiet = new LinkedHashMap<>();
        automatic().forEach((m, t) -> {
            thresholds.put(m, t.threshold());
            quiet.put(m, Duration.ofSeconds(t.debounceSeconds()));
        });
        return store.startDue(thresholds, quiet, epochs());
    }

    private Map<String, Training> automatic() {
        Map<String, Training> models = new LinkedHashMap<>(trainable);
        models.keySet().removeAll(unfit);
        return models;
    }

    private Map<String, Integer> epochs() {
        Map<String, Integer> epochs = new LinkedHashMap<>();
        trainable.forEach((m, t) -> epochs.put(m, t.maxEpochs()));
        return epochs;
    }

    /** Annotators just got a result from {@code model}: its automatic jobs go first. Untrainable models are ignored. */
    public void used(String model) {
        if (trainable.containsKey(model)) {
            store.markUsed(model);
        } else if (!untrainable.containsKey(model)) {
            throw new UnknownModelException(model, trainable.keySet());
        }
    }

    public Job get(UUID id) {
        return store.get(id).orElseThrow(() -> new UnknownJobException("no training job " + id));
    }

    /** Asks a job to stop. */
    public Job stop(UUID id) {
        return store.requestStop(id).orElseThrow(() -> new UnknownJobException("no training job " + id));
    }

    /** Asks the active jobs of a model (or of all models) to stop; returns them. */
    public List<Job> stopActive(String model) {
        return store.list(model, true, 100).stream()
                .map(j -> store.requestStop(j.id()).orElse(j))
                .toList();
    }

    public List<Job> list(String model, boolean activeOnly, int limit) {
        return store.list(model, activeOnly, limit);
    }

    public Optional<Job> latest(String model) {
        return store.list(model, false, 1).stream().findFirst();
    }

    public Map<String, Map<String, Object>> stats() {
        return store.latestStats();
    }
}
