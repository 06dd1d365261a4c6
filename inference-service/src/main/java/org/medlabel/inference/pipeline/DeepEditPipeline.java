package org.medlabel.inference.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/**
 * DeepEdit (MONAI Label's deepedit): reorient, window, resize to the model's grid; one guidance channel per label
 * (in the app's label order, background included) from that label's clicks, all zero without clicks (the automatic
 * mode, MONAI's deepedit_seg); infer; resample the logits back (a bundle's inverted probabilities: averaged back, as
 * MONAI inverts its area resize), argmax. Output values are channel indices (labels in
 * order, background 0) unless {@code restore_label_idx} asks for the app's label values.
 */
public final class DeepEditPipeline implements Pipeline {

    private final Parallel parallel;
    private final Transforms transforms;
    private final SegmentationPipeline restorer;

    public DeepEditPipeline(Parallel parallel) {
        this.parallel = parallel;
        this.transforms = new Transforms(parallel);
        this.restorer = new SegmentationPipeline(parallel);
    }

    @Override
    public PipelineResult run(
            ServedModel model, Volume image, Map<String, Object> params, Latencies latencies, Cancellation cancellation)
            throws Exception {
        ModelDefinition d = model.definition();
        List<String> labels = new ArrayList<>(d.labelValues().keySet());
        Map<String, List<double[]>> clicks = Clicks.perLabel(params, labels, image);
        NetworkGrid ng = NetworkGrid.of(d.pre(), image, parallel);
        Volume intensities = ng.input();
        List<List<double[]>> sets = new ArrayList<>();
        for (String label : labels) {
            sets.add(onNetworkGrid(clicks.get(label), image, ng));
        }
        Volume guidance = new GuidanceMap(d.guidance().sigma()).apply(intensities, sets);
        Volume input = Channels.stack(List.of(intensities, guidance));
        latencies.stage("pre");
        Volume output = NetworkRunner.run(model.session(), input, d.inferer(), cancellation);
        latencies.stage("infer");
        Volume scores = Transforms.forLabelling(d.post(), output);
        // MONAI Label and the zoo's bundles invert Resized(mode="area") by area averaging, the logits or (a bundle
        // whose
        // Activationsd comes first) the probabilities
        Volume restored = restorer.reorient(ng.undoResize(scores), ng, image);
        latencies.stage("invert");
        Volume indices = transforms.labels(d.post(), restored);
        Volume values = SegmentationPipeline.asRequested(indices, d, params);
        Map<String, Object> json = SegmentationPipeline.result(d, values);
        latencies.stage("post");
        return new PipelineResult(values, json);
    }

    /**
     * Clicks on the network's grid as MONAI's DeepEdit click transforms put them ({@code AddGuidanceFromPointsDeepEditd},
     * {@code ResizeGuidanceMultipleLabelDeepEditd}): the clicked voxel of the reoriented image scaled by new / old size
     * per axis and truncated; with a spacing step as well, by position.
     */
    private static List<double[]> onNetworkGrid(List<double[]> clicks, Volume image, NetworkGrid ng) {
        if (ng.pre() == null || ng.pre().resize() == null || ng.pre().spacing() != null) {
            return Clicks.map(clicks, image, ng.grid());
        }
        Volume o = ng.oriented();
        int[] old = {o.nx(), o.ny(), o.nz()};
        int[] size = {ng.grid().nx(), ng.grid().ny(), ng.grid().nz()};
        List<double[]> out = new ArrayList<>();
        for (double[] p : Clicks.map(clicks, image, Grid.of(o))) {
            double[] q = new double[3];
            for (int a = 0; a < 3; a++) {
                q[a] = Math.floor(Math.round(p[a]) * (double) size[a] / old[a]);
            }
            out.add(q);
        }
        return out;
    }
}
