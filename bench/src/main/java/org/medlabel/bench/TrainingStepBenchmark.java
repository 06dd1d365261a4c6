package org.medlabel.bench;

import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Collectors;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.HugePages;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.ml.train.Trainer;
import org.medlabel.ml.train.TrainingGraph;

/**
 * One training step of a UNet in ONNX Runtime, timed: the Java side of {@code bench/unet-training} (the PyTorch side
 * is {@code bench/training_torch.py}). A plain {@code main}, one configuration per JVM, so that the process's peak
 * resident memory ({@code VmHWM}) belongs to that configuration alone.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar org.medlabel.bench.TrainingStepBenchmark NET PATCH STEPS THREADS
 * [DEVICE]}: NET {@code small}, {@code spleen}, {@code spleen4}, {@code deepgrow2d}, {@code deepgrow3d} or {@code deepedit} ({@link UNetModels}, seed 0: the weights
 * {@code UNetModels DIR} writes for PyTorch), {@link UNetModels#inputShape its input shape} (batch 1 of a cubic patch;
 * deepgrow2d: 16 slices of PATCH²; the environment's {@code BATCH} overrides the batch), {@link TrainingGraph.Spec#of
 * default spec} (MONAI's DiceCE, Adam with
 * PyTorch's defaults, lr 1e-3, no clipping), {@code THREADS} intra-op threads, DEVICE {@code cpu} (default) or
 * {@code cuda:N}, ONNX Runtime's CPU arena on unless the environment's {@code CPU_ARENA} is {@code off} (as
 * {@code medlabel.training.cpu-arena}). It times the graph build and the session creation, runs 2 warm-up steps and STEPS timed steps on
 * one fixed batch (input ~ N(0, 1), binary label with foreground probability 1/2, both from seed 0) and prints one
 * JSON line on stdout (progress goes to stderr).
 */
public final class TrainingStepBenchmark {

    static final int WARMUP = 2;
    static final float LEARNING_RATE = 1e-3f;

    private TrainingStepBenchmark() {}

    public static void main(String[] args) throws OrtException, IOException {
        if (args.length < 4 || args.length > 5) {
            System.err.println(
                    "usage: TrainingStepBenchmark NET(small|spleen|spleen4|deepgrow2d|deepgrow3d|deepedit) PATCH STEPS THREADS [DEVICE]");
            System.exit(2);
        }
        String net = args[0];
        int patch = Integer.parseInt(args[1]);
        int steps = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        String device = args.length > 4 ? args[4] : "cpu";
        if (steps < 1) {
            throw new IllegalArgumentException("STEPS must be >= 1");
        }

        ModelProto forward = UNetModels.byName(net);
        long[] shape = UNetModels.inputShape(net, patch);
        String batch = System.getenv("BATCH");
        if (batch != null && !batch.isEmpty()) {
            shape[0] = Integer.parseInt(batch);
        }
        boolean arena = !"off".equals(System.getenv("CPU_ARENA"));
        SessionManager.Config config = new SessionManager.Config(Device.parse(device), threads, 1).withCpuArena(arena);
        long t0 = System.nanoTime();
        TrainingGraph graph =
                TrainingGraph.build(TrainingGraph.Spec.of(forward, shape), SessionManager.provider(config));
        double buildS = (System.nanoTime() - t0) / 1e9;
        long parameters = graph.parameters().stream()
                .mapToLong(p -> Tensors.elementCount(graph.initialState().get(p)))
                .sum();
        double rssAfterBuild = peakRssMb();
        log(
                "%s %s: training graph built in %.1f s (%d nodes, %d parameters)",
                net, Arrays.toString(shape), buildS, graph.model().getGraph().getNodeCount(), parameters);

        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
        float[] image = new float[n];
        float[] label = new float[Math.toIntExact(n / shape[1])];
        Random random = new Random(0);
        for (int i = 0; i < n; i++) {
            image[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < label.length; i++) {
            label[i] = random.nextFloat() < 0.5f ? 1 : 0;
        }

        t0 = System.nanoTime();
        List<Double> times = new ArrayList<>();
        float lossFirst;
        float lossLast;
        float gradNormFirst;
        double sessionS;
        double peakBefore;
        double rssBeforeSteps;
        double stepsPeak;
        try (Trainer trainer = Trainer.start(graph, config)) {
            sessionS = (System.nanoTime() - t0) / 1e9;
            log(
                    "session on %s with %d threads created in %.1f s (CPU arena %s, malloc on huge pages: %b)",
                    device, threads, sessionS, arena ? "on" : "off", HugePages.mallocUsesThem());
            Trainer.StepResult first = null;
            Trainer.StepResult last = null;
            peakBefore = peakRssMb();
            rssBeforeSteps = resetPeakRss();
            for (int i = 0; i < WARMUP + steps; i++) {
                long s = System.nanoTime();
                last = trainer.step(image, label, LEARNING_RATE);
                double ms = (System.nanoTime() - s) / 1e6;
                if (first == null) {
                    first = last;
                }
                if (i >= WARMUP) {
                    times.add(ms);
                }
                log(
                        "step %d: %.0f ms, loss %.5f, grad norm %.4f%s",
                        last.step(), ms, last.loss(), last.gradNorm(), i < WARMUP ? " (warm-up)" : "");
            }
            lossFirst = first.loss();
            gradNormFirst = first.gradNorm();
            lossLast = last.loss();
            stepsPeak = peakRssMb();
        }

        double[] sorted =
                times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        String json = String.format(
                Locale.ROOT,
                "{\"net\": \"%s\", \"patch\": %d, \"threads\": %d, \"device\": \"%s\", \"parameters\": %d,"
                        + " \"build_s\": %.3f, \"session_s\": %.3f, \"median_ms\": %.3f, \"p10_ms\": %.3f,"
                        + " \"p90_ms\": %.3f, \"peak_rss_mb\": %.1f, \"rss_after_build_mb\": %.1f,"
                        + " \"rss_before_steps_mb\": %.1f, \"steps_peak_rss_mb\": %.1f,"
                        + " \"heap_max_mb\": %d, \"loss_first\": %.6f, \"loss_last\": %.6f,"
                        + " \"grad_norm_first\": %.6f, \"cpu_arena\": %b, \"steps\": [%s]}",
                net,
                patch,
                threads,
                device,
                parameters,
                buildS,
                sessionS,
                percentile(sorted, 50),
                percentile(sorted, 10),
                percentile(sorted, 90),
                Math.max(peakBefore, stepsPeak),
                rssAfterBuild,
                rssBeforeSteps,
                stepsPeak,
                Runtime.getRuntime().maxMemory() >> 20,
                lossFirst,
                lossLast,
                gradNormFirst,
                arena,
                times.stream().map(t -> String.format(Locale.ROOT, "%.3f", t)).collect(Collectors.joining(", ")));
        System.out.println(json);
    }

    /** numpy's default percentile: linear interpolation between the closest ranks. */
    static double percentile(double[] sorted, double q) {
        double rank = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Restarts the peak resident set at the current one (Linux: "5" to /proc/self/clear_refs), so that the steps' peak
     * is read apart from the graph build's; returns the current resident set ({@code VmRSS}) in MiB, NaN where unknown.
     */
    static double resetPeakRss() throws IOException {
        Path clear = Path.of("/proc/self/clear_refs");
        if (Files.isWritable(clear)) {
            Files.writeString(clear, "5");
        }
        return statusMb("VmRSS:");
    }

    /** The process's peak resident set ({@code VmHWM} of /proc/self/status) in MiB; NaN where there is none. */
    static double peakRssMb() throws IOException {
        return statusMb("VmHWM:");
    }

    private static double statusMb(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return Double.NaN;
        }
        return Files.readAllLines(status).stream()
                .filter(l -> l.startsWith(field))
                .map(l -> Arrays.stream(l.substring(field.length()).trim().split("\\s+"))
                        .findFirst()
                        .orElseThrow())
                .mapToDouble(kb -> Long.parseLong(kb) / 1024.0)
                .findFirst()
                .orElse(Double.NaN);
    }

    private static void log(String format, Object... args) {
        System.err.println("[training] " + String.format(Locale.ROOT, format, args));
    }
}
