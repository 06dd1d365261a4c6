package org.medlabel.training.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.GuidanceMap;
import org.medlabel.imaging.volume.Volume;

/**
 * Clicks an annotator would have made, simulated from the label as MONAI's DeepEdit training does
 * ({@code monai.apps.deepedit.transforms}, as MONAI's {@code spleen_deepedit_annotation} bundle chains them). Guidance
 * channels follow the app's label order, background included (as inference builds them); labels are class indices
 * (background 0, the others 1, 2, ... in that order, as {@code NormalizeLabelsInDatasetd} makes them).
 */
final class ClickSimulator {

    /** {@code AddInitialSeedPointMissingLabelsd(connected_regions=5)}: at most one seed per region of the slice. */
    static final int SEED_REGIONS = 5;
    /** {@code AddRandomGuidanceDeepEditd}: a label's false positives inside another label get a click above this. */
    static final int OTHER_AREA = 50;
    /** {@code AddRandomGuidanceDeepEditd}: keeps the clicks of random labels until 1 to this many are kept. */
    static final int MAX_KEPT = 10;

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

    /**
     * MONAI's initial seeds ({@code FindAllValidSlicesMissingLabelsd} + {@code AddInitialSeedPointMissingLabelsd}): per
     * label, a random axial slice (along k) that holds it, and a click deep inside each of the first
     * {@link #SEED_REGIONS} 8-connected regions of the label in that slice; a label absent from the volume gets none.
     */
    List<List<double[]>> initial(Volume classes, Random random) {
        int nx = classes.nx(), ny = classes.ny(), nz = classes.nz();
        List<List<double[]>> clicks = none();
        for (int k = 0; k < channelClass.length; k++) {
            int c = channelClass[k];
            List<Integer> slices = new ArrayList<>();
            for (int z = 0; z < nz; z++) {
                if (holds(classes, z, c)) {
                    slices.add(z);
                }
            }
            if (slices.isEmpty()) {
                continue;
            }
            int z = slices.get(random.nextInt(slices.size()));
            boolean[] slice = new boolean[nx * ny];
            for (int i = 0; i < slice.length; i++) {
                slice[i] = (int) classes.voxels().get(z * nx * ny + i) == c;
            }
            int[] blobs = InteriorClick.blobs(slice, nx, ny);
            for (int b = 1; b <= SEED_REGIONS; b++) {
                boolean[] blob = new boolean[slice.length];
                for (int i = 0; i < blob.length; i++) {
                    blob[i] = blobs[i] == b;
                }
                int at = InteriorClick.pick(blob, nx, ny, 1, random);
                if (at < 0) {
                    break; // fewer regions
                }
                clicks.get(k).add(new double[] {at % nx, at / nx, z});
            }
        }
        return clicks;
    }

    /**
     * One corrective round after {@code predicted} (MONAI's {@code FindDiscrepancyRegionsDeepEditd} +
     * {@code AddRandomGuidanceDeepEditd} at probability 1, the first of {@code Interaction}'s rounds): for each label,
     * a click deep inside what it missed, and for each other label its false positives cover by more than
     * {@link #OTHER_AREA} voxels, a click there for that other label; then MONAI keeps the clicks (old and new) of
     * labels taken in random order until at least a random 1 to {@link #MAX_KEPT} are kept, and drops the rest.
     */
    void correct(List<List<double[]>> clicks, Volume classes, Volume predicted, Random random) {
        addCorrections(clicks, classes, predicted, random);
        keepSome(clicks, random);
    }

    /** The corrective clicks of {@link #correct}, before MONAI's random choice of labels to keep. */
    void addCorrections(List<List<double[]>> clicks, Volume classes, Volume predicted, Random random) {
        int n = classes.voxelCount();
        int[] truth = new int[n], pred = new int[n];
        for (int i = 0; i < n; i++) {
            truth[i] = (int) classes.voxels().get(i);
            pred[i] = (int) predicted.voxels().get(i);
        }
        for (int k = 0; k < channelClass.length; k++) {
            int c = channelClass[k];
            boolean[] missed = new boolean[n];
            for (int i = 0; i < n; i++) {
                missed[i] = truth[i] == c && pred[i] != c;
            }
            add(clicks.get(k), missed, classes, random);
            // c's false positives per true class, counted in one pass; a region is built only where one clicks
            int[] area = new int[channelClass.length + 1];
            for (int i = 0; i < n; i++) {
                if (pred[i] == c && truth[i] != c) {
                    area[truth[i]]++;
                }
            }
            for (int m = 0; m < channelClass.length; m++) {
                int other = channelClass[m];
                if (area[other] > OTHER_AREA) {
                    boolean[] wrong = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        wrong[i] = pred[i] == c && truth[i] == other;
                    }
                    add(clicks.get(m), wrong, classes, random);
                }
            }
        }
    }

    /** The guidance channels for {@code clicks} on the grid of {@code image}, stacked after the image. */
    Volume input(Volume image, List<List<double[]>> clicks) {
        return Channels.stack(List.of(image, guidance.apply(image, clicks)));
    }

    /** MONAI's choice: labels in random order, their clicks kept until at least 1 to {@link #MAX_KEPT} are. */
    static void keepSome(List<List<double[]>> clicks, Random random) {
        int wanted = 1 + random.nextInt(MAX_KEPT);
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < clicks.size(); k++) {
            order.add(k);
        }
        Collections.shuffle(order, random);
        int kept = 0;
        for (int j = 0; j < order.size(); j++) {
            kept += clicks.get(order.get(j)).size();
            if (kept >= wanted) {
                for (int rest = j + 1; rest < order.size(); rest++) {
                    clicks.get(order.get(rest)).clear();
                }
                return;
            }
        }
    }

    private static void add(List<double[]> into, boolean[] region, Volume grid, Random random) {
        int nx = grid.nx(), ny = grid.ny();
        int at = InteriorClick.pick(region, nx, ny, grid.nz(), random);
        if (at >= 0) {
            into.add(new double[] {at % nx, (at / nx) % ny, at / (nx * ny)});
        }
    }

    private static boolean holds(Volume classes, int z, int c) {
        int plane = classes.nx() * classes.ny();
        for (int i = z * plane; i < (z + 1) * plane; i++) {
            if ((int) classes.voxels().get(i) == c) {
                return true;
            }
        }
        return false;
    }
}
