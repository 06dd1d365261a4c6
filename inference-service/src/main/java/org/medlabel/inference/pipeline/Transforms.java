package org.medlabel.inference.pipeline;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.medlabel.app.config.PostProcessing;
import org.medlabel.imaging.metric.Centroids;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.LargestComponent;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * The imaging steps the pipelines share. Geometry changes (reorientation, spacing, crop, resize) are all one
 * resampling from the original image onto the network's grid, and one back: the grids' affines carry the whole
 * chain, so inversion is exact by construction and costs a single interpolation each way.
 */
public final class Transforms {

    private final Resampler resampler;
    private final Channels channels;

    public Transforms(Parallel parallel) {
        this.resampler = new Resampler(parallel);
        this.channels = new Channels(parallel);
    }

    /** The image on {@code grid}, linearly interpolated, float32. */
    Volume toGrid(Volume image, Grid grid) {
        return resampler.resample(image, grid, Interpolation.LINEAR);
    }

    /** Network output back on the original grid (linear, so logits blend before the argmax as MONAI inverts). */
    Volume toOriginal(Volume output, Grid original) {
        return resampler.resample(output, original, Interpolation.LINEAR);
    }

    /**
     * What to resample back for labelling: for two softmax channels only their difference l1 − l0. Linear
     * interpolation is linear, so the resampled difference is positive exactly where the resampled channel 1 beats
     * channel 0: the same labels as MONAI's argmax after inverting both logits, at half the resampling and no argmax.
     */
    static Volume forLabelling(PostProcessing post, Volume output) {
        if (post.sigmoid() || output.channels() != 2) {
            return output;
        }
        int n = output.voxelCount();
        float[] l0 = output.voxels().floats(0, n);
        float[] l1 = output.voxels().floats(n, n);
        float[] margin = new float[n];
        for (int i = 0; i < n; i++) {
            margin[i] = l1[i] - l0[i];
        }
        return new Volume(output.nx(), output.ny(), output.nz(), output.affine(), new VoxelBuffer.Float32(margin));
    }

    /**
     * Labels from what {@link #forLabelling} kept, on the original grid: above the sigmoid threshold's logit, above 0
     * for a two-channel softmax's margin, else the argmax over channels; then the largest component if asked.
     */
    Volume labels(PostProcessing post, Volume scores) {
        Volume labels;
        if (post.sigmoid()) {
            double t = post.threshold() == null ? 0.5 : post.threshold();
            labels = above(scores, Math.log(t / (1 - t)));
        } else if (scores.channels() == 1) {
            labels = above(scores, 0);
        } else {
            labels = channels.argmax(scores);
        }
        return post.keepLargestComponent()
                ? new LargestComponent(LargestComponent.Connectivity.FULL).apply(labels)
                : labels;
    }

    private static Volume above(Volume scores, double level) {
        byte[] mask = new byte[scores.voxelCount()];
        float[] values = scores.voxels().floats(0, mask.length); // resampled scores: float32, no copy
        for (int i = 0; i < mask.length; i++) {
            mask[i] = values[i] > level ? (byte) 1 : 0;
        }
        return new Volume(scores.nx(), scores.ny(), scores.nz(), scores.affine(), new VoxelBuffer.UInt8(mask));
    }

    /**
     * MONAI Label's {@code centroids}: per label present, {@code "<name>": ["<value>", "<i>", "<j>", "<k>"]} (strings, as
     * it sends them), named by the model's labels or {@code label_<value>}.
     */
    static Map<String, List<String>> centroids(Volume labels, Map<Integer, String> names) {
        Map<String, List<String>> out = new TreeMap<>();
        Centroids.of(labels)
                .forEach((value, c) -> out.put(
                        names.getOrDefault(value, "label_" + value),
                        List.of(
                                Integer.toString(value),
                                Long.toString(Math.round(c[0])),
                                Long.toString(Math.round(c[1])),
                                Long.toString(Math.round(c[2])))));
        return out;
    }
}
