package org.medlabel.inference.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.ml.runtime.ExecutionProvider;

/** Runs a pipeline on a network and an image as the service does, for the comparisons with MONAI. */
final class PipelineRuns {

    private static final Parallel PARALLEL = Parallel.threads(2);

    private PipelineRuns() {}

    /**
     * The pipeline's labels; it runs {@code medlabel.bench.runs} times (default 1; bench/RESULTS.md's latencies come
     * from 4 runs, the first cold) and prints each run's seconds.
     */
    static Volume segment(ModelProto weights, ModelDefinition d, Volume ct) throws Exception {
        return run(new SegmentationPipeline(PARALLEL), weights, d, ct, Map.of());
    }

    /** DeepEdit's labels for the clicks in {@code params}, as {@link #segment} runs them. */
    static Volume deepEdit(ModelProto weights, ModelDefinition d, Volume ct, Map<String, Object> params)
            throws Exception {
        return run(new DeepEditPipeline(PARALLEL), weights, d, ct, params);
    }

    private static Volume run(
            Pipeline pipeline, ModelProto weights, ModelDefinition d, Volume ct, Map<String, Object> params)
            throws Exception {
        int runs = Integer.getInteger("medlabel.bench.runs", 1);
        // as the service runs it: one intra-op thread per core (ORT's default here is one in all)
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            return run(pipeline, weights, d, ct, params, options, runs);
        }
    }

    private static Volume run(
            Pipeline pipeline,
            ModelProto weights,
            ModelDefinition d,
            Volume ct,
            Map<String, Object> params,
            OrtSession.SessionOptions options,
            int runs)
            throws Exception {
        try (OrtSession session = OrtEnvironment.getEnvironment()
                .createSession(
                        GraphOptimizer.optimize(weights, ExecutionProvider.CPU, d.networkInputVoxels())
                                .model()
                                .toByteArray(),
                        options)) {
            ServedModel model = new ServedModel("model", 1, d, session, retired -> {});
            Volume label = null;
            for (int run = 0; run < runs; run++) {
                long start = System.nanoTime();
                Latencies latencies = new Latencies();
                label = pipeline.run(model, ct, params, latencies, Cancellation.NONE)
                        .label();
                System.out.printf(
                        "%s pipeline, run %d: %.2f s %s%n",
                        d.inferer().kind(), run + 1, (System.nanoTime() - start) / 1e9, latencies.toJson());
            }
            return label;
        }
    }
}
