package org.medlabel.inference.pipeline;

import java.util.List;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.NetworkGrid;
import org.medlabel.imaging.augment.Flip;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/**
 * MONAI Label's epistemic score of an image, for active learning: how unsure the model is about it. MONAI Label samples
 * the network with dropout on; these networks have no dropout, so the samples are test-time flips (the image as is,
 * then flipped along x, y, z, xy, ...; each output flipped back). On the network's grid: each sample's class
 * probabilities (softmax, or sigmoid per channel), their mean, at each voxel the entropy of the mean over the
 * foreground channels (softmax's background channel dropped, as MONAI Label does), averaged over the voxels. High when
 * the samples disagree or each is unsure; 0 when every sample is certain.
 */
public final class EpistemicScore {

    private static final List<Flip> FLIPS = List.of(
            new Flip(false, false, false),
            new Flip(true, false, false),
            new Flip(false, true, false),
            new Flip(false, false, true),
            new Flip(true, true, false),
            new Flip(true, false, true),
            new Flip(false, true, true),
            new Flip(true, true, true));
    /** MONAI Label's default number of samples. */
    public static final int DEFAULT_SAMPLES = 5;

    public static final int MAX_SAMPLES = FLIPS.size();

    private final Parallel parallel;
    private final Transforms transforms;

    public EpistemicScore(Parallel parallel) {
        this.parallel = parallel;
        this.transforms = new Transforms(parallel);
    }

    public double score(ServedModel model, Volume image, int samples, Cancellation cancellation) throws Exception {
        ModelDefinition d = model.definition();
        if (d.type() != ModelType.SEGMENTATION) {
            throw new InvalidRequestException("the epistemic score needs an automatic segmentation model, not a "
                    + d.type().name().toLowerCase() + " one");
        }
        if (samples < 2 || samples > MAX_SAMPLES) {
            throw new InvalidRequestException("samples must be 2.." + MAX_SAMPLES + ", not " + samples);
        }
        NetworkGrid ng = NetworkGrid.of(d.pre(), image, parallel);
        Volume input = ng.input();
        boolean sigmoid = d.post() != null && d.post().sigmoid();
        float[] mean = null;
        for (Flip flip : FLIPS.subList(0, samples)) {
            Volume logits =
                    flip.apply(NetworkRunner.run(model.session(), flip.apply(input), d.inferer(), cancellation));
            mean = accumulate(mean, logits, sigmoid, 1.0 / samples);
        }
        return meanEntropy(mean, input.nx() * input.ny() * input.nz());
    }

    /**
     * Adds {@code weight} x the foreground probabilities of {@code logits} (channel-major) to {@code sum}; returns it
     * (allocated at the first sample: the foreground channels' voxels).
     */
    static float[] accumulate(float[] sum, Volume logits, boolean sigmoid, double weight) {
        int voxels = logits.nx() * logits.ny() * logits.nz();
        int channels = logits.channels();
        int first = sigmoid ? 0 : 1;
        float[] out = sum != null ? sum : new float[(channels - first) * voxels];
        VoxelBuffer l = logits.voxels();
        double[] exp = new double[channels];
        for (int v = 0; v < voxels; v++) {
            if (sigmoid) {
                for (int c = 0; c < channels; c++) {
                    out[c * voxels + v] += (float) (weight / (1 + Math.exp(-l.get(c * voxels + v))));
                }
            } else {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < channels; c++) {
                    max = Math.max(max, l.get(c * voxels + v));
                }
                double total = 0;
                for (int c = 0; c < channels; c++) {
                    exp[c] = Math.exp(l.get(c * voxels + v) - max);
                    total += exp[c];
                }
                for (int c = first; c < channels; c++) {
                    out[(c - first) * voxels + v] += (float) (weight * exp[c] / total);
                }
            }
        }
        return out;
    }

    /** The mean over {@code voxels} of -sum_c p ln p (0 ln 0 = 0), the channels' planes laid one after another. */
    static double meanEntropy(float[] probabilities, int voxels) {
        double entropy = 0;
        for (float p : probabilities) {
            if (p > 0) {
                entropy -= p * Math.log(p);
            }
        }
        return entropy / voxels;
    }
}
