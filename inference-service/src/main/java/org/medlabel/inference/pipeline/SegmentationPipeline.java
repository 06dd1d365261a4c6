package org.medlabel.inference.pipeline;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.IntensityStep;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.transform.Orientation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;

/**
 * Automatic segmentation (MONAI Label's segmentation_spleen): reorient, resample, window, infer (sliding window or
 * whole volume), resample the logits back and undo the orientation, argmax (or threshold), keep the largest
 * component. DeepEdit without clicks runs the same way with empty guidance channels.
 */
public final class SegmentationPipeline implements Pipeline {

    private final Parallel parallel;
    private final Transforms transforms;

    public SegmentationPipeline(Parallel parallel) {
        this.parallel = parallel;
        this.transforms = new Transforms(parallel);
    }

    @Override
    public PipelineResult run(ServedModel model, Volume image, Map<String, Object> params, Latencies latencies)
            throws Exception {
        ModelDefinition d = model.definition();
        NetworkGrid ng = NetworkGrid.of(d.pre(), image, parallel);
        Volume input = IntensityStep.apply(d.pre(), transforms.toGrid(ng.oriented(), ng.grid()));
        latencies.stage("pre");
        Volume output = NetworkRunner.run(model.session(), input, d.inferer());
        latencies.stage("infer");
        Volume restored = restore(Transforms.forLabelling(d.post(), output), ng, image);
        latencies.stage("invert");
        Volume labels = transforms.labels(d.post(), restored);
        Map<String, Object> json = result(d, labels);
        latencies.stage("post");
        return new PipelineResult(labels, json);
    }

    /** Network output back on the oriented image's grid, then in the original orientation. */
    Volume restore(Volume output, NetworkGrid ng, Volume image) {
        Volume back = transforms.toOriginal(output, Grid.of(ng.oriented()));
        return ng.oriented() == image ? back : Orientation.of(Grid.of(image)).apply(back);
    }

    /** {@code label_names} and {@code centroids} as MONAI Label reports them. */
    static Map<String, Object> result(ModelDefinition d, Volume labels) {
        Map<String, Integer> values = d.labelValues();
        Map<Integer, String> names = new HashMap<>();
        values.forEach((name, value) -> names.put(value, name));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("label_names", values);
        json.put("centroids", Transforms.centroids(labels, names));
        return json;
    }
}
