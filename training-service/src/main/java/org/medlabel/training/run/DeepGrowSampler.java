package org.medlabel.training.run;

import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.Training;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.app.preprocess.DeepGrowCrop;
import org.medlabel.app.preprocess.GridPoints;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.datastore.DatastoreClient;

/**
 * DeepGrow, one structure at a time as MONAI Label trains it: a label present in the case is chosen, a first
 * foreground click falls inside it, and the network's grid is the crop inference would take around that click
 * ({@link DeepGrowCrop}); the target is that structure alone (0/1). Half the samples also get corrective clicks from
 * the epoch's starting model: a foreground click inside what it missed, a background click inside what it wrongly
 * added. Validation clicks once inside each validation case's first structure (a fixed click per case). A 2-D model
 * trains on the slice of its first click (the crop inference takes there), so slices with more of a structure are
 * drawn more often.
 */
final class DeepGrowSampler extends Sampler {

    /** The share of samples that also get corrective clicks from the epoch's starting model. */
    private static final double CORRECTION_PROBABILITY = 0.5;

    private final Resampler resampler;
    private final GuidanceMap guidance;

    DeepGrowSampler(ModelDefinition model, Training t, CaseCache cache, CasePreparer preparer, Parallel parallel) {
        super(model, t, cache, preparer, parallel);
        this.resampler = new Resampler(parallel);
        this.guidance = new GuidanceMap(model.guidance().sigma());
    }

    @Override
    int[] inputSize() {
        return new int[] {
            DeepGrowCrop.nx(model.guidance()), DeepGrowCrop.ny(model.guidance()), DeepGrowCrop.nz(model.guidance())
        };
    }

    @Override
    boolean usesClickModel() {
        return true;
    }

    @Override
    Volume[] sample(DatastoreClient.Case c, Random random) throws Exception {
        PreparedCase pc = prepared(c);
        int[] present = pc.structures();
        if (present.length == 0) {
            throw new IllegalStateException("case " + c.id() + " has no labelled structure to click on");
        }
        return crop(
                pc,
                present[random.nextInt(present.length)],
                random,
                clickModel() != null && random.nextDouble() < CORRECTION_PROBABILITY);
    }

    @Override
    double score(OrtSession session, PreparedCase pc, Cancellation cancellation) throws Exception {
        int[] present = pc.structures();
        if (present.length == 0) {
            return 1; // nothing to find, as Dice counts an absent label
        }
        Volume[] sample = crop(pc, present[0], new Random(pc.id().hashCode()), false);
        return Dice.of(mask(NetworkRunner.run(session, sample[0], model.inferer(), cancellation)), sample[1], 1);
    }

    /** The crop around a click inside structure {@code c}: {image + guidance, the structure as 0/1}. */
    private Volume[] crop(PreparedCase pc, int c, Random random, boolean correct) throws Exception {
        List<double[]> seed = new ArrayList<>();
        pick(pc.label(), null, c, random, seed);
        Grid spaced = Grid.of(pc.image());
        Grid grid = DeepGrowCrop.grid(model.guidance(), spaced, seed, List.of());
        Volume image = resampler.resample(pc.image(), grid, Interpolation.LINEAR);
        Volume target = only(resampler.resample(pc.label(), grid, Interpolation.NEAREST), c);
        List<double[]> foreground = GridPoints.map(seed, spaced, grid);
        List<double[]> background = new ArrayList<>();
        if (correct) {
            Volume predicted =
                    mask(NetworkRunner.run(clickModel(), input(image, foreground, background), model.inferer()));
            pick(target, predicted, 1, random, foreground);
            pick(invert(target), invert(predicted), 1, random, background);
        }
        return new Volume[] {input(image, foreground, background), target};
    }

    private Volume input(Volume image, List<double[]> foreground, List<double[]> background) {
        return Channels.stack(List.of(image, guidance.apply(image, List.of(foreground, background))));
    }

    /** The one-channel output thresholded at logit 0 (probability 0.5). */
    private static Volume mask(Volume logits) {
        byte[] out = new byte[logits.voxelCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = logits.voxels().get(i) > 0 ? (byte) 1 : 0;
        }
        return new Volume(logits.nx(), logits.ny(), logits.nz(), logits.affine(), new VoxelBuffer.UInt8(out));
    }

    private static Volume only(Volume classes, int c) {
        byte[] out = new byte[classes.voxelCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) classes.voxels().get(i) == c ? (byte) 1 : 0;
        }
        return new Volume(classes.nx(), classes.ny(), classes.nz(), classes.affine(), new VoxelBuffer.UInt8(out));
    }

    private static Volume invert(Volume mask) {
        byte[] out = new byte[mask.voxelCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = mask.voxels().get(i) > 0 ? 0 : (byte) 1;
        }
        return new Volume(mask.nx(), mask.ny(), mask.nz(), mask.affine(), new VoxelBuffer.UInt8(out));
    }

    /** A uniformly random voxel of class {@code c} (not predicted as {@code c}, when {@code predicted} is given). */
    private static void pick(Volume classes, Volume predicted, int c, Random random, List<double[]> into) {
        int count = 0;
        int chosen = -1;
        for (int i = 0; i < classes.voxelCount(); i++) {
            if ((int) classes.voxels().get(i) == c
                    && (predicted == null || (int) predicted.voxels().get(i) != c)) {
                count++;
                if (random.nextInt(count) == 0) { // reservoir sampling: one pass, each voxel equally likely
                    chosen = i;
                }
            }
        }
        if (chosen >= 0) {
            int nx = classes.nx(), ny = classes.ny();
            into.add(new double[] {chosen % nx, (chosen / nx) % ny, chosen / (nx * ny)});
        }
    }
}
