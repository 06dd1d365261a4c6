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
import org.medlabel.imaging.volume.VoxelType;

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

    /**
     * Network output back on the original grid: scores linearly (logits blend before the argmax as MONAI inverts), labels
     * by nearest neighbour.
     */
    Volume toOriginal(Volume output, Grid original, Interpolation interpolation) {
        return resampler.resample(output, original, interpolation);
    }

    /**
     * What to resample back for labelling: for two softmax channels only their difference (l1 − l0 of the logits, or
     * p1 − p0 = tanh((l1 − l0) / 2) of the probabilities where the model inverts probabilities). Linear interpolation is
     * linear, so the resampled difference is positive exactly where the resampled channel 1 beats channel 0: the same
     * labels as MONAI's argmax after inverting both channels, at half the resampling and no argmax. With more channels,
     * the logits or their softmax; with a sigmoid, the logit or its sigmoid.
     */
    static Volume forLabelling(PostProcessing post, Volume output) {
        boolean probabilities = post.invertProbabilities();
        int n = output.voxelCount();
        if (post.sigmoid()) {
            return probabilities ? sigmoid(output) : output;
        }
        if (output.channels() != 2) {
            return probabilities ? softmax(output) : output;
        }
        float[] l0 = output.voxels().floats(0, n);
        float[] l1 = output.voxels().floats(n, n);
        float[] margin = new float[n];
        for (int i = 0; i < n; i++) {
            float d = l1[i] - l0[i];
            margin[i] = probabilities ? (float) Math.tanh(d / 2.0) : d;
        }
        return new Volume(output.nx(), output.ny(), output.nz(), output.affine(), new VoxelBuffer.Float32(margin));
    }

    private static Volume sigmoid(Volume v) {
        float[] logits = v.voxels().floats(0, v.voxels().length());
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (1 / (1 + Math.exp(-logits[i])));
        }
        return new Volume(v.nx(), v.ny(), v.nz(), v.channels(), v.affine(), new VoxelBuffer.Float32(out));
    }

    /** Softmax over the channels, voxel by voxel (as MONAI's Activationsd(softmax=True)). */
    private static Volume softmax(Volume v) {
        int n = v.voxelCount();
        int channels = v.channels();
        float[] values = v.voxels().floats(0, n * channels);
        float[] out = new float[values.length];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < channels; c++) {
                max = Math.max(max, values[c * n + i]);
            }
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += Math.exp(values[c * n + i] - max);
            }
            for (int c = 0; c < channels; c++) {
                out[c * n + i] = (float) (Math.exp(values[c * n + i] - max) / sum);
            }
        }
        return new Volume(v.nx(), v.ny(), v.nz(), channels, v.affine(), new VoxelBuffer.Float32(out));
    }

    /**
     * Labels from what {@link #forLabelling} kept, on the original grid: above the sigmoid threshold's logit, above 0
     * for a two-channel softmax's margin, else the argmax over channels; then the largest component if asked.
     */
    Volume labels(PostProcessing post, Volume scores) {
        Volume labels;
        if (post.sigmoid()) {
            double t = post.threshold() == null ? 0.5 : post.threshold();
            double level = post.invertProbabilities() ? t : Math.log(t / (1 - t));
            labels = post.overlapping() == null ? above(scores, level) : regions(scores, level, post.overlapping());
        } else if (scores.channels() == 1) {
            labels = above(scores, 0);
        } else {
            labels = channels.argmax(scores);
        }
        return largest(post, labels);
    }

    /**
     * The argmax of many-channel softmax scores resampled (linearly) onto {@code target}, one channel at a time into a
     * running maximum: the same labels as {@link #labels} of {@link #toOriginal}'s scores (the first channel wins
     * ties), without the scores of every channel on the target grid (26 channels of a 512²x300 CT: 8 GB).
     */
    Volume argmaxOnGrid(PostProcessing post, Volume scores, Grid target) {
        int channels = scores.channels(), n = scores.voxelCount(), m = target.nx() * target.ny() * target.nz();
        float[] max = null;
        VoxelBuffer best = VoxelBuffer.allocate(channels <= 256 ? VoxelType.UINT8 : VoxelType.INT16, m);
        for (int c = 0; c < channels; c++) {
            Volume channel = new Volume(
                    scores.nx(),
                    scores.ny(),
                    scores.nz(),
                    1,
                    scores.affine(),
                    new VoxelBuffer.Float32(scores.voxels().floats(c * n, n)));
            float[] resampled = ((VoxelBuffer.Float32) resampler
                            .resample(channel, target, Interpolation.LINEAR)
                            .voxels())
                    .array();
            if (max == null) {
                max = resampled;
                continue;
            }
            for (int i = 0; i < m; i++) {
                if (resampled[i] > max[i]) {
                    max[i] = resampled[i];
                    best.set(i, c);
                }
            }
        }
        return largest(post, new Volume(target.nx(), target.ny(), target.nz(), target.affine(), best));
    }

    private static Volume largest(PostProcessing post, Volume labels) {
        return post.keepLargestComponent()
                ? new LargestComponent(LargestComponent.Connectivity.FULL).apply(labels)
                : labels;
    }

    /** Overlapping regions' labels: the label of the first [channel, label] whose channel is above the level. */
    private static Volume regions(Volume scores, double level, List<List<Integer>> precedence) {
        int n = scores.voxelCount();
        byte[] labels = new byte[n];
        float[] values = scores.voxels().floats(0, n * scores.channels());
        for (int i = 0; i < n; i++) {
            for (List<Integer> pair : precedence) {
                if (values[pair.get(0) * n + i] > level) {
                    labels[i] = (byte) (int) pair.get(1);
                    break;
                }
            }
        }
        return new Volume(scores.nx(), scores.ny(), scores.nz(), scores.affine(), new VoxelBuffer.UInt8(labels));
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
