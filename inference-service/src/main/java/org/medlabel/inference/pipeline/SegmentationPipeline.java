package org.medlabel.inference.pipeline;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.PreProcessing;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.transform.Crop;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Orientation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/**
 * Automatic segmentation (MONAI Label's segmentation_spleen): reorient, resample, window, optionally crop to the
 * foreground (the body: the network skips the air around it), infer (sliding window, fitted windows or whole volume),
 * resample the logits back and undo the orientation, argmax (or threshold), keep the largest component. DeepEdit without clicks runs the same way with empty guidance channels.
 */
public final class SegmentationPipeline implements Pipeline {

    /** What the network's output is taken to be outside a foreground crop. */
    static final double BACKGROUND_LOGIT = -1e4;

    private final Parallel parallel;
    private final Transforms transforms;

    public SegmentationPipeline(Parallel parallel) {
        this.parallel = parallel;
        this.transforms = new Transforms(parallel);
    }

    @Override
    public PipelineResult run(
            ServedModel model, Volume image, Map<String, Object> params, Latencies latencies, Cancellation cancellation)
            throws Exception {
        ModelDefinition d = model.definition();
        NetworkGrid ng = NetworkGrid.of(d.pre(), image, parallel);
        Volume input = ng.input();
        PreProcessing.CropForeground crop = d.pre() == null ? null : d.pre().cropForeground();
        Region box =
                crop == null ? null : Region.above(input, crop.margin(), d.pre().floor());
        latencies.stage("pre");
        Volume output = NetworkRunner.run(
                model.session(), box == null ? input : Crop.cut(input, box, 0), d.inferer(), cancellation);
        latencies.stage("infer");
        Volume scores = Transforms.forLabelling(d.post(), output);
        if (box != null) {
            // Outside the box every channel scores the same very low logit: argmax and thresholds give background.
            scores = Crop.paste(scores, box, Grid.of(input), BACKGROUND_LOGIT);
        }
        Volume labels;
        if (d.post().invertLabels()) {
            labels = restore(transforms.labels(d.post(), scores), ng, image, Interpolation.NEAREST);
            latencies.stage("invert");
        } else if (!d.post().sigmoid() && scores.channels() > 2) {
            labels = reorient(transforms.argmaxOnGrid(d.post(), scores, Grid.of(ng.oriented())), ng, image);
            latencies.stage("invert");
        } else {
            Volume restored = restore(scores, ng, image, Interpolation.LINEAR);
            latencies.stage("invert");
            labels = transforms.labels(d.post(), restored);
        }
        if (d.post().overlapping() == null) {
            labels = asRequested(labels, d, params);
        }
        Map<String, Object> json = result(d, labels);
        latencies.stage("post");
        return new PipelineResult(labels, json);
    }

    /** Network output back on the oriented image's grid, then in the original orientation. */
    Volume restore(Volume output, NetworkGrid ng, Volume image, Interpolation interpolation) {
        return reorient(transforms.toOriginal(output, Grid.of(ng.oriented()), interpolation), ng, image);
    }

    /** A volume on the oriented image's voxels back in the image's own orientation. */
    Volume reorient(Volume back, NetworkGrid ng, Volume image) {
        return ng.oriented() == image ? back : Orientation.of(Grid.of(image)).apply(back);
    }

    /**
     * Labels as the request asks for them: the channel indices 1..n (MONAI Label's default), or each label's configured
     * value with {@code restore_label_idx: true} (MONAI Label's {@code Restored(config_labels=...)}).
     */
    static Volume asRequested(Volume indices, ModelDefinition d, Map<String, Object> params) {
        return Boolean.TRUE.equals(params.get("restore_label_idx")) ? configuredValues(indices, d) : indices;
    }

    /** Channel index j (j-th foreground label in order) to that label's configured value. */
    private static Volume configuredValues(Volume indices, ModelDefinition d) {
        List<String> names = d.foregroundNames();
        int[] map = new int[names.size() + 1];
        for (int j = 1; j <= names.size(); j++) {
            map[j] = d.labelValues().get(names.get(j - 1));
        }
        Volume out = Volume.zeros(indices.nx(), indices.ny(), indices.nz(), 1, indices.type(), indices.affine());
        for (int i = 0; i < indices.voxelCount(); i++) {
            int j = (int) indices.voxels().get(i);
            out.voxels().set(i, j < map.length ? map[j] : j);
        }
        return out;
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
