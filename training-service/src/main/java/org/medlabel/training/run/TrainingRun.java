package org.medlabel.training.run;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.sun.management.OperatingSystemMXBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.Training;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.ml.train.Trainer;
import org.medlabel.ml.train.TrainingGraph;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.objectstore.ModelStore;
import org.medlabel.training.config.TrainingConfig;
import org.medlabel.training.config.TrainingSessions;
import org.medlabel.training.data.CaseReader;
import org.medlabel.training.data.LabelCoverage;
import org.medlabel.training.job.Job;
import org.medlabel.training.job.TrainParams;

/**
 * One training job, MONAI Label's recipe in Java: the datalist of final labels split into training and validation
 * cases (by {@code val_split} in datalist order, as MONAI Label partitions it: the last cases validate); each epoch
 * visits the training cases in a random order, {@code train_batch_size} of them per step with {@code samplesPerImage}
 * random crops of each (foreground/background centred, augmented) in one batch, as MONAI Label's data loader batches
 * {@code RandCropByPosNegLabeld}'s samples (or, opted in by {@code crops_per_step}, in smaller steps), through the
 * differentiated training graph (Dice + cross-entropy, Adam or AdamW); then the mean foreground Dice of every validation
 * case, run whole as inference runs it. Every epoch that beats the best so far hands its model over to be published
 * at once (MONAI Label publishes at every improved epoch too), so annotators get each better model while the job runs.
 * Unlike MONAI Label, the version the job started from is validated first and is the first best to beat: a job never
 * publishes a model that scores worse than the one being served on the job's own validation cases. Every epoch ends
 * with a checkpoint, so a job resumes where its last epoch ended.
 */
@ApplicationScoped
public class TrainingRun {

    /**
     * The result: the best validation Dice, the epoch that reached it (0: none beat the version the job started from,
     * {@code baseVersion}) and the epochs run.
     */
    public record Outcome(double dice, int bestEpoch, int epochs, int baseVersion) {}

    private final AppDefinition app;
    private final CaseReader reader;
    private final ModelStore store;
    private final TrainingSessions sessions;
    private final TrainingConfig config;
    private final Parallel parallel = Parallel.available();

    public TrainingRun(
            AppDefinition app, CaseReader reader, ModelStore store, TrainingSessions sessions, TrainingConfig config) {
        this.app = app;
        this.reader = reader;
        this.store = store;
        this.sessions = sessions;
        this.config = config;
    }

    /** The request's train params: the request without the model it names. */
    private static Map<String, Object> params(Job job) {
        Map<String, Object> params = new HashMap<>(job.request());
        params.remove("model");
        return params;
    }

    /** The job's cases, split by {@code val_split} in datalist order; the seed of its epochs' random crops. */
    private record Split(List<DatastoreClient.Case> train, List<DatastoreClient.Case> val, long seed) {}

    /** Where a job starts: the version it trains from (or a fresh network) and, when resumed, its last epoch. */
    private record Start(int baseVersion, boolean fromScratch, ModelProto forward, JobContext.Resume resume) {}

    /** The best validation Dice so far and the epoch that reached it (0: the version the job started from). */
    private static final class Best {
        double metric;
        int epoch;

        Best(double metric, int epoch) {
            this.metric = metric;
            this.epoch = epoch;
        }

        /** Whether {@code dice} beats the best; if so it becomes the best, reached at {@code at}. */
        boolean improvedBy(double dice, int at) {
            if (dice <= metric) {
                return false;
            }
            metric = dice;
            epoch = at;
            return true;
        }
    }

    public Outcome execute(JobContext ctx) throws Exception {
        Job job = ctx.job();
        ModelDefinition model = app.models().get(job.model());
        if (model == null) {
            throw new IllegalStateException("model '" + job.model() + "' is not in app " + app.name());
        }
        if (model.post().overlapping() != null) {
            throw new IllegalStateException("model '" + job.model() + "' labels overlapping sigmoid regions"
                    + " ('post.overlapping'): MedLabel cannot train such a model yet (its labels would need splitting into"
                    + " the regions); it serves imported weights");
        }
        TrainParams p = TrainParams.of(model.trainingSettings(), params(job));
        Training t = p.settings();
        Split split = split(job, model, p, ctx);
        Start start = start(job, model, p, ctx);
        int inChannels = model.inputChannels();
        CaseCache cache = new CaseCache(config.cacheBytes());
        Sampler sampler = Sampler.of(model, t, cache, new CasePreparer(reader, parallel), parallel);
        int[] size = sampler.inputSize();
        int batch = p.trainBatchSize() * p.cropsPerStep();
        long[] shape = model.spatialDims() == 2
                ? new long[] {batch, inChannels, size[1], size[0]}
                : new long[] {batch, inChannels, size[2], size[1], size[0]};
        checkHeap(batch, inChannels, size);
        TrainingSessions.Choice sessions = this.sessions.forModel(t.cpuArena());
        ctx.log("training sessions: " + sessions.note());
        checkNativeMemory(start.forward(), shape, sessions.config().cpuArena(), ctx);
        long built = System.nanoTime();
        TrainingGraph graph = TrainingGraph.build(
                TrainingGraph.Spec.of(start.forward(), shape)
                        .with(t.lossFunction())
                        .with(t.optimizerFunction(), t.maxGradNorm()),
                SessionManager.provider(sessions.config()));
        ctx.log(String.format("training graph for %s built in %.1f s", Arrays.toString(shape), seconds(built)));

        try (Trainer trainer = Trainer.start(graph, sessions.config());
                SessionManager inference = new SessionManager(sessions.config())) {
            int first = 1;
            if (start.resume() != null) {
                trainer.restore(start.resume().checkpoint());
                first = start.resume().epoch() + 1;
                ctx.log("resumed after epoch " + start.resume().epoch() + " from its checkpoint");
            } else {
                ctx.log("training " + job.model()
                        + (start.fromScratch()
                                ? " from a fresh initialisation (pretrained: false)"
                                : " from version " + start.baseVersion())
                        + ", " + p.maxEpochs() + " epochs");
            }
            // One inference session of the current weights: made after each epoch's training for its validation,
            // then kept as the next epoch's click model (the same weights), so each epoch exports and opens it once.
            OrtSession base = current(inference, trainer);
            Best best = start.resume() != null
                    ? new Best(start.resume().bestMetric(), start.resume().bestEpoch())
                    : baseline(job, model, start, base, inference, split.val(), sampler, ctx);
            if (!sampler.useClickModel(base)) {
                inference.release(CURRENT_MODEL);
            }
            int epochs = epochs(job, p, split, start, first, trainer, inference, sampler, best, ctx);
            if (cache.loads() > split.train().size() + split.val().size()) {
                ctx.log("cases were prepared " + cache.loads() + " times: raise medlabel.training.cache-bytes ("
                        + config.cacheBytes() + ") to keep them in memory");
            }
            return new Outcome(best.metric, best.epoch, epochs, start.baseVersion());
        }
    }

    private Split split(Job job, ModelDefinition model, TrainParams p, JobContext ctx) throws IOException {
        List<DatastoreClient.Case> labelled = reader.cases();
        if (labelled.isEmpty()) {
            throw new IllegalStateException("no image has a final label yet: nothing to train on");
        }
        List<DatastoreClient.Case> cases = new ArrayList<>(reader.covering(job.model(), model, labelled));
        if (cases.isEmpty()) {
            throw new IllegalStateException(LabelCoverage.nothingCovers(job.model(), model));
        }
        if (cases.size() < labelled.size()) {
            ctx.log(String.format(
                    "%d of %d labelled images cover %s's structures; the others are left out (labels of fewer structures"
                            + " would teach it that the others are background)",
                    cases.size(), labelled.size(), job.model()));
        }
        // MONAI Label's partition_datalist: MONAI's partition_dataset(ratios=[1 - val_split, val_split], shuffle=False)
        int training = (int) Math.min(cases.size(), (long) ((1 - p.valSplit()) * cases.size() + 0.5));
        List<DatastoreClient.Case> train = cases.subList(0, training);
        boolean none = training == cases.size();
        List<DatastoreClient.Case> val = none ? train : cases.subList(training, cases.size());
        ctx.log(String.format(
                "%d cases: %d for training, %d for validation%s",
                cases.size(),
                train.size(),
                val.size(),
                none ? " (too few to split: validating on the training cases)" : ""));
        long seed = p.seed().orElse(job.id().getMostSignificantBits() ^ job.id().getLeastSignificantBits());
        if (p.seed().isPresent()) {
            ctx.log("random crops and augmentation seeded with " + seed + " (the request's seed)");
        }
        return new Split(train, val, seed);
    }

    private Start start(Job job, ModelDefinition model, TrainParams p, JobContext ctx) throws IOException {
        JobContext.Resume resume = ctx.resume().orElse(null);
        int baseVersion = resume != null
                ? resume.baseVersion()
                : store.latestVersion(job.model()).orElse(0);
        boolean fromScratch = resume == null && !p.pretrained();
        ModelProto forward =
                fromScratch ? NetworkFactory.fresh(job.model(), model) : forward(job.model(), model, baseVersion);
        return new Start(baseVersion, fromScratch, forward, resume);
    }

    /**
     * The bar a fresh job's epochs must beat: the validation Dice of the version served (also when the job starts
     * from scratch), so a job never publishes a model worse than the one annotators have.
     */
    private Best baseline(
            Job job,
            ModelDefinition model,
            Start start,
            OrtSession base,
            SessionManager inference,
            List<DatastoreClient.Case> val,
            Sampler sampler,
            JobContext ctx)
            throws Exception {
        OrtSession served = start.fromScratch()
                ? inference
                        .session(
                                SERVED_MODEL,
                                forward(job.model(), model, start.baseVersion()).toByteArray())
                        .session()
                : base;
        double metric = validate(served, val, sampler, ctx);
        inference.release(SERVED_MODEL);
        ctx.log(String.format(
                "version %d scores validation Dice %.4f: each epoch that beats the best so far is published",
                start.baseVersion(), metric));
        return new Best(metric, 0);
    }

    /** Runs epochs {@code first..maxEpochs} (fewer on an early stop); returns the last epoch run. */
    private int epochs(
            Job job,
            TrainParams p,
            Split split,
            Start start,
            int first,
            Trainer trainer,
            SessionManager inference,
            Sampler sampler,
            Best best,
            JobContext ctx)
            throws Exception {
        Instant began = job.startTs() == null ? Instant.now() : job.startTs();
        int epoch;
        for (epoch = first; epoch <= p.maxEpochs(); epoch++) {
            Random random = new Random(split.seed() * 31 + epoch);
            long started = System.nanoTime();
            EpochTraining training = trainEpoch(trainer, split.train(), sampler, p, random, ctx);
            long trained = System.nanoTime();
            OrtSession updated = current(inference, trainer);
            boolean clicks = sampler.useClickModel(updated);
            double dice = validate(updated, split.val(), sampler, ctx);
            if (!clicks) {
                inference.release(CURRENT_MODEL); // nothing needs it while the next epoch trains
            }
            byte[] improved =
                    best.improvedBy(dice, epoch) ? trainer.exportTrained().toByteArray() : null;
            ctx.log(String.format(
                    "epoch %d/%d: loss %.4f, validation Dice %.4f (best %.4f at epoch %d) in %.1f s"
                            + " (training %.1f s of which steps %.1f s, validation %.1f s)",
                    epoch,
                    p.maxEpochs(),
                    training.loss(),
                    dice,
                    best.metric,
                    best.epoch,
                    seconds(started),
                    (trained - started) / 1e9,
                    training.stepSeconds(),
                    seconds(trained)));
            boolean last = epoch == p.maxEpochs()
                    || (p.earlyStopPatience() > 0 && epoch - best.epoch >= p.earlyStopPatience());
            Map<String, Object> stats = TrainStats.of(
                    epoch,
                    p.maxEpochs(),
                    trainer.steps(),
                    began,
                    Instant.now(),
                    last,
                    training.loss(),
                    dice,
                    best.metric,
                    best.epoch);
            ctx.epochDone(new JobContext.Epoch(
                    epoch,
                    start.baseVersion(),
                    trainer.checkpoint(),
                    improved,
                    best.metric,
                    best.epoch,
                    training.loss(),
                    dice,
                    stats));
            if (last && epoch < p.maxEpochs()) {
                ctx.log("early stop: no better validation Dice for " + p.earlyStopPatience() + " epochs");
                return epoch;
            }
        }
        return Math.min(epoch, p.maxEpochs());
    }

    /**
     * Refuses a batch whose input arrays alone would take more than half the heap (the cases, the click model's and
     * validation's volumes need the rest): the job ends ERROR saying what to change, instead of the worker running
     * out of memory mid-epoch.
     */
    private static void checkHeap(int batch, int channels, int[] size) {
        long bytes = (long) Float.BYTES * batch * (channels + 1) * size[0] * size[1] * size[2];
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2) {
            throw new IllegalStateException(String.format(
                    "a batch of %d crops of %dx%dx%d needs %d MiB of heap for its arrays, more than half of the"
                            + " training service's %d MiB: train with a smaller train_batch_size, or give the service"
                            + " more heap (-Xmx in MEDLABEL_TRAINING_JAVA_OPTS)",
                    batch, size[0], size[1], size[2], bytes >> 20, heap >> 20));
        }
    }

    /** Refuses a step whose estimated native memory is over the budget, before its graph is built. */
    private void checkNativeMemory(ModelProto forward, long[] shape, boolean cpuArena, JobContext ctx)
            throws OrtException {
        long need = TrainingGraph.estimatePeakBytes(forward, shape, cpuArena);
        long budget = config.memoryBudget().orElseGet(TrainingRun::defaultMemoryBudget);
        ctx.log(String.format(
                "a training step of %s needs ~%.2f GiB by estimate (budget %.1f GiB)",
                Arrays.toString(shape), need / GIB, budget / GIB));
        if (need > budget) {
            throw new MemoryBudgetExceededException(String.format(
                    "a training step of %s needs ~%.1f GiB of memory by estimate, over this worker's budget of %.1f"
                            + " GiB: train with a smaller train_batch_size, on a machine with more memory (or a GPU),"
                            + " or raise medlabel.training.memory-budget if the machine has it to spare",
                    Arrays.toString(shape), need / GIB, budget / GIB));
        }
    }

    private static final double GIB = 1L << 30;

    /**
     * Three quarters of what this process may use (the machine's memory, or its container's limit) less the JVM's
     * heap: the other quarter is for the JVM's own memory and libraries, the validation's inference session and,
     * on a machine, the services beside it (24 GiB with a 2 GiB heap: 16 GiB, deepgrow_3d's 14 GiB step fits).
     */
    static long defaultMemoryBudget() {
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() / 4 * 3 - Runtime.getRuntime().maxMemory();
    }

    private ModelProto forward(String name, ModelDefinition model, int version) throws IOException {
        if (store.latestVersion(name).isEmpty()) {
            // A fresh store (inference not started yet): the same version 0 inference builds, from the same seed.
            return NetworkFactory.build(name, model);
        }
        return ModelProto.parseFrom(store.read(ModelStore.key(name, version)));
    }

    /** An epoch's mean loss, and the seconds its training steps took (the rest is preparing and cropping cases). */
    private record EpochTraining(double loss, double stepSeconds) {}

    private static final String CURRENT_MODEL = "current-model";
    private static final String SERVED_MODEL = "served-model";

    private EpochTraining trainEpoch(
            Trainer trainer, List<DatastoreClient.Case> train, Sampler s, TrainParams p, Random random, JobContext ctx)
            throws Exception {
        // Each image's crops in chunks of crops_per_step (one chunk, MONAI Label's batch, unless the request opts in)
        int crops = p.cropsPerStep();
        List<DatastoreClient.Case> order = new ArrayList<>();
        for (DatastoreClient.Case c : train) {
            for (int chunk = 0; chunk < s.t.samplesPerImage() / crops; chunk++) {
                order.add(c);
            }
        }
        Collections.shuffle(order, random);
        int images = p.trainBatchSize();
        // A last short batch is filled up from the start, as the graph has a fixed batch size.
        int steps = (order.size() + images - 1) / images;
        int[] size = s.inputSize();
        int voxels = size[0] * size[1] * size[2];
        int channels = s.model.inputChannels();
        float[] inputs = new float[images * crops * channels * voxels];
        float[] labels = new float[images * crops * voxels];
        double lossSum = 0;
        long stepNanos = 0;
        for (int step = 0; step < steps; step++) {
            for (int i = 0; i < images; i++) {
                DatastoreClient.Case c = order.get((step * images + i) % order.size());
                for (int k = 0; k < crops; k++) {
                    int b = i * crops + k;
                    Volume[] sample = s.sample(c, random);
                    System.arraycopy(
                            sample[0].voxels().floats(0, channels * voxels),
                            0,
                            inputs,
                            b * channels * voxels,
                            channels * voxels);
                    System.arraycopy(sample[1].voxels().floats(0, voxels), 0, labels, b * voxels, voxels);
                }
            }
            long stepStart = System.nanoTime();
            lossSum += trainer.step(inputs, labels, (float) p.learningRate(), ctx.cancellation())
                    .loss();
            stepNanos += System.nanoTime() - stepStart;
            if (ctx.stopRequested()) {
                throw new JobStoppedException(JobStoppedException.Kind.STOPPED, "stopped by request");
            }
        }
        return new EpochTraining(lossSum / steps, stepNanos / 1e9);
    }

    private static double validate(OrtSession model, List<DatastoreClient.Case> val, Sampler s, JobContext ctx)
            throws Exception {
        double sum = 0;
        for (DatastoreClient.Case c : val) {
            sum += s.score(model, s.prepared(c), ctx.cancellation());
            if (ctx.stopRequested()) {
                throw new JobStoppedException(JobStoppedException.Kind.STOPPED, "stopped by request");
            }
        }
        return sum / val.size();
    }

    /** A session of the trainer's current weights, optimised for inference, replacing the previous one. */
    private static OrtSession current(SessionManager sessions, Trainer trainer) throws OrtException {
        sessions.release(CURRENT_MODEL);
        return sessions.session(CURRENT_MODEL, trainer.exportInference().toByteArray())
                .session();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
