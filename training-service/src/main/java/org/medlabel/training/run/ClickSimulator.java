package org.medlabel.training.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.volume.Volume;

/**
 * Clicks an annotator would have made, simulated from the label as MONAI Label's DeepEdit training does: guidance
 * channels in the app's label order (as inference builds them), a first click inside each label present (MONAI's
 * initial seed points), and corrective clicks from the current model's mistakes — one inside the missed part of each
 * label, which for a false positive is a click for the label the voxel really has (background included).
 */
final class ClickSimulator {

    private final int[] channelClass;
    private final GuidanceMap guidance;

    ClickSimulator(ModelDefinition model) {
        List<String> names = new ArrayList<>(model.labelValues().keySet());
        List<String> foreground = model.foregroundNames();
        channelClass = new int[names.size()];
        for (int k = 0; k < names.size(); k++) {
            channelClass[k] = foreground.indexOf(names.get(k)) + 1; // background: -1 + 1 = 0
        }
        guidance = new GuidanceMap(model.guidance().sigma());
    }

    /** No clicks in any channel (automatic segmentation). */
    List<List<double[]>> none() {
        List<List<double[]>> clicks = new ArrayList<>();
        for (int k = 0; k < channelClass.length; k++) {
            clicks.add(new ArrayList<>());
        }
        return clicks;
    }

    /** One click at a random voxel of each label present in {@code classes}. */
    List<List<double[]>> initial(Volume classes, Random random) {
        List<List<double[]>> clicks = none();
        for (int k = 0; k < channelClass.length; k++) {
            int c = channelClass[k];
            pick(classes, null, c, random, clicks.get(k));
        }
        return clicks;
    }

    /** Adds a click inside the missed part of each label: where {@code classes} has it and {@code predicted} not. */
    void correct(List<List<double[]>> clicks, Volume classes, Volume predicted, Random random) {
        for (int k = 0; k < channelClass.length; k++) {
            pick(classes, predicted, channelClass[k], random, clicks.get(k));
        }
    }

    /** The guidance channels for {@code clicks} on the grid of {@code image}, stacked after the image. */
    Volume input(Volume image, List<List<double[]>> clicks) {
        return Channels.stack(List.of(image, guidance.apply(image, clicks)));
    }

    /** A uniformly random voxel of class {@code c} (not predicted as {@code c}, when {@code predicted} is given). */
    static void pick(Volume classes, Volume predicted, int c, Random random, List<double[]> into) {
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
