package org.medlabel.app.preprocess;

import java.util.ArrayList;
import java.util.List;
import org.medlabel.app.config.Guidance;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.transform.Resize;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;

/**
 * The grid a DeepGrow network sees, for inference and training alike: on the model-spacing grid, a crop centred on
 * the clicks ({@code cropSize} in-plane, or the clicks' extent plus {@code margin} when larger; every slice kept, or
 * for a 2-D model the clicks' one slice), resized to {@code modelSize}.
 */
public final class DeepGrowCrop {

    private DeepGrowCrop() {}

    /** The crop around the clicks (voxel coordinates of {@code spaced}), resized to the model's input size. */
    public static Grid grid(Guidance g, Grid spaced, List<double[]> foreground, List<double[]> background) {
        List<double[]> all = new ArrayList<>(foreground);
        all.addAll(background);
        double[] lo = {Double.MAX_VALUE, Double.MAX_VALUE};
        double[] hi = {-Double.MAX_VALUE, -Double.MAX_VALUE};
        for (double[] c : all) {
            for (int a = 0; a < 2; a++) {
                lo[a] = Math.min(lo[a], c[a]);
                hi[a] = Math.max(hi[a], c[a]);
            }
        }
        int margin = g.margin() == null ? 20 : g.margin();
        int[] size = new int[2];
        int[] start = new int[2];
        for (int a = 0; a < 2; a++) {
            size[a] = (int) Math.max(g.cropSize().get(a), Math.ceil(hi[a] - lo[a]) + 2 * margin);
            start[a] = (int) Math.floor((lo[a] + hi[a]) / 2) - size[a] / 2;
        }
        boolean slice = g.modelSize().size() == 2; // a 2-D model's clicks all lie on its slice
        int z = slice ? (int) Math.round(all.get(0)[2]) : 0;
        Grid crop = spaced.sub(new Region(start[0], start[1], z, size[0], size[1], slice ? 1 : spaced.nz()));
        return new Resize(new Resampler(Parallel.sequential()), nx(g), ny(g), nz(g), Resize.Mode.LINEAR)
                .targetGrid(crop);
    }

    // modelSize is (D, H, W) as MONAI orders it after moving the slices first: z, then x, then y; (H, W) in 2-D

    /** The model grid's size along x. */
    public static int nx(Guidance g) {
        return g.modelSize().get(g.modelSize().size() - 2);
    }

    public static int ny(Guidance g) {
        return g.modelSize().get(g.modelSize().size() - 1);
    }

    /** 1 for a 2-D model. */
    public static int nz(Guidance g) {
        return g.modelSize().size() == 3 ? g.modelSize().get(0) : 1;
    }
}
