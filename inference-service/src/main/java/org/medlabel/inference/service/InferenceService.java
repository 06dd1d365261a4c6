package org.medlabel.inference.service;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.app.config.ModelType;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.config.InferenceConfig;
import org.medlabel.inference.model.ModelRegistry;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.inference.output.ResultOptions;
import org.medlabel.inference.output.ResultWriter;
import org.medlabel.inference.pipeline.DeepEditPipeline;
import org.medlabel.inference.pipeline.DeepGrowPipeline;
import org.medlabel.inference.pipeline.EpistemicScore;
import org.medlabel.inference.pipeline.InvalidRequestException;
import org.medlabel.inference.pipeline.Latencies;
import org.medlabel.inference.pipeline.Pipeline;
import org.medlabel.inference.pipeline.PipelineResult;
import org.medlabel.inference.pipeline.SegmentationPipeline;
import org.medlabel.inference.volume.ImageDecoder;
import org.medlabel.inference.volume.VolumeSource;
import org.medlabel.inference.work.InferenceExecutor;
import org.medlabel.ml.runtime.Cancellation;

/**
 * One inference: the model version current when the request starts (held until it ends), the image from the datastore
 * (through the decoded-volume cache) or from an upload, the model type's pipeline, the label written in the requested
 * format — all on a bounded worker, never on the event loop.
 */
@ApplicationScoped
public class InferenceService {

    /** What the caller wants back: MONAI Label's {@code output} = json, image or all. */
    public enum Output {
        JSON,
        IMAGE,
        ALL
    }

    /** Where the image comes from: a datastore id, or a file uploaded with the request (and its original name). */
    public record ImageInput(String imageId, Path upload, String uploadName, String sessionId) {

        public ImageInput {
            if (blank(imageId) && upload == null && blank(sessionId)) {
                throw new InvalidRequestException("give an image id ('image'), a 'session_id' or upload a 'file'");
            }
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }
    }

    private final ModelRegistry registry;
    private final VolumeSource volumes;
    private final ImageDecoder decoder;
    private final ResultWriter writer;
    private final InferenceExecutor executor;
    private final InferenceConfig config;
    private final Map<ModelType, Pipeline> pipelines;
    private final EpistemicScore epistemic;

    public InferenceService(
            ModelRegistry registry,
            VolumeSource volumes,
            ImageDecoder decoder,
            ResultWriter writer,
            InferenceExecutor executor,
            InferenceConfig config,
            Parallel parallel) {
        this.registry = registry;
        this.volumes = volumes;
        this.decoder = decoder;
        this.writer = writer;
        this.executor = executor;
        this.config = config;
        this.pipelines = Map.of(
                ModelType.SEGMENTATION, new SegmentationPipeline(parallel),
                ModelType.DEEPGROW, new DeepGrowPipeline(parallel),
                ModelType.DEEPEDIT, new DeepEditPipeline(parallel));
        this.epistemic = new EpistemicScore(parallel);
    }

    public Uni<InferenceResult> infer(String model, ImageInput input, Map<String, Object> params, Output output) {
        // unknown models and bad options fail before queueing
        registry.lease(model).close();
        return executor.submit(cancellation -> run(model, input, params, output, cancellation));
    }

    private InferenceResult run(
            String model, ImageInput input, Map<String, Object> params, Output output, Cancellation cancellation)
            throws Exception {
        Latencies latencies = new Latencies();
        try (ServedModel served = registry.lease(model)) {
            String fileName = input.upload() != null ? input.uploadName() : null;
            Volume image;
            if (input.upload() != null) {
                try (InputStream in = Files.newInputStream(input.upload())) {
                    image = decoder.decode(in, input.uploadName());
                }
            } else {
                // MONAI Label's order: an upload, then a session, then the image id
                VolumeSource.Loaded loaded =
                        input.sessionId() != null && !input.sessionId().isBlank()
                                ? volumes.loadSession(input.sessionId())
                                : volumes.load(input.imageId());
                image = loaded.volume();
                fileName = loaded.ref().fileName();
            }
            int channels = served.definition().imageChannels();
            if (image.channels() != channels) {
                throw new InvalidRequestException("model '" + model + "' reads images of " + channels
                        + " channel(s) (several sequences: one 4-D NIfTI, in the model's channel order); the image has "
                        + image.channels());
            }
            ResultOptions options = ResultOptions.from(params, fileName);
            PipelineResult result =
                    pipelines.get(served.definition().type()).run(served, image, params, latencies, cancellation);
            Volume label = result.label().withAffine(image.affine());
            Path file = null;
            if (output != Output.JSON) {
                Files.createDirectories(config.workDirectory());
                file = writer.write(label, options, served.definition().labelValues(), config.workDirectory());
            }
            latencies.stage("write");
            Map<String, Object> json = new LinkedHashMap<>(result.json());
            json.put("latencies", latencies.toJson());
            json.put("model", model);
            json.put("model_version", served.version());
            return new InferenceResult(json, file);
        }
    }

    /**
     * MONAI Label's epistemic scoring of one datastore image by the version served now, on a worker like an inference:
     * {@code epistemic_entropy} and {@code epistemic_ts} (the version, where MONAI Label records the model file's
     * time) for the image's info.
     */
    public Uni<Map<String, Object>> epistemic(String model, String imageId, int samples) {
        if (imageId == null || imageId.isBlank()) {
            throw new InvalidRequestException("give the image id ('image')");
        }
        registry.lease(model).close();
        return executor.submit(cancellation -> {
            try (ServedModel served = registry.lease(model)) {
                double entropy = epistemic.score(served, volumes.load(imageId).volume(), samples, cancellation);
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("image", imageId);
                json.put("model", model);
                json.put("epistemic_entropy", entropy);
                json.put("epistemic_ts", served.version());
                json.put("samples", samples);
                return json;
            }
        });
    }

    /** Deletes a result file after it was sent (or could not be). */
    public static void discard(InferenceResult result) {
        if (result.file() != null) {
            try {
                Files.deleteIfExists(result.file());
            } catch (IOException e) {
                // scratch space; the directory is cleaned at the next start
            }
        }
    }
}
