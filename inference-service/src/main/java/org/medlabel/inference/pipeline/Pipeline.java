package org.medlabel.inference.pipeline;

import java.util.Map;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/** What a model type does with one request: image and params in, label on the image's grid out. */
public interface Pipeline {

    /**
     * @param image the original image, as decoded (never modified)
     * @param params the request's params (clicks, options)
     * @param latencies stages are marked {@code pre}, {@code infer}, {@code invert}, {@code post}
     * @param cancellation stops the network passes when the request ends early
     */
    PipelineResult run(
            ServedModel model, Volume image, Map<String, Object> params, Latencies latencies, Cancellation cancellation)
            throws Exception;
}
