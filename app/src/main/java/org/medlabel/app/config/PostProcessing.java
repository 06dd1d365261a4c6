package org.medlabel.app.config;

import java.util.List;

/**
 * What turns the network's output into labels: {@code softmax} (argmax over channels) or {@code sigmoid} (one channel,
 * foreground above {@code threshold}; or several channels of overlapping regions, {@code overlapping}: [channel, label]
 * pairs in precedence order, a voxel taking the label of the first channel above the threshold, as BraTS' tumour
 * regions), then optionally only the largest connected component of each label. Labels
 * reach the image's grid as MONAI's {@code Invertd} takes them there: by default the network's scores (logits, as MONAI
 * Label inverts them) are resampled back (linearly) and labelled there; {@code invert: probabilities} resamples the
 * activation's output instead (bundles whose {@code Activationsd} comes before {@code Invertd}); {@code invert: labels}
 * labels on the network's grid and resamples the labels
 * (nearest neighbour), as bundles do that put {@code AsDiscreted} before {@code Invertd(nearest_interp=True)}: the
 * only practical way for many-label models, whose scores on the image's grid would take gigabytes.
 */
public record PostProcessing(
        String activation, Double threshold, Boolean largestComponent, String invert, List<List<Integer>> overlapping) {

    public PostProcessing(String activation, Double threshold, Boolean largestComponent) {
        this(activation, threshold, largestComponent, null, null);
    }

    /** The channels the network outputs: one per overlapping region, or the one of a plain sigmoid. */
    public int sigmoidChannels() {
        return overlapping == null ? 1 : overlapping.size();
    }

    /** Whether the softmax or sigmoid is applied before the scores are resampled to the image's grid. */
    public boolean invertProbabilities() {
        return "probabilities".equals(invert);
    }

    /** Whether labels are made on the network's grid and then resampled (nearest neighbour) to the image's. */
    public boolean invertLabels() {
        return "labels".equals(invert);
    }

    public boolean sigmoid() {
        return "sigmoid".equals(activation);
    }

    public boolean keepLargestComponent() {
        return Boolean.TRUE.equals(largestComponent);
    }
}
