package org.medlabel.app.preprocess;

import org.medlabel.app.config.PreProcessing;
import org.medlabel.imaging.transform.Orientation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.transform.Resize;
import org.medlabel.imaging.transform.Spacing;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;

/**
 * The image reoriented as the model wants (a copy with axes permuted and flipped: exact, and it keeps the resampling
 * that follows on the fast axis-aligned path) and the grid the network sees (spacing, then resize, applied to that
 * orientation's grid). Two spacing values (a 2-D model's) resample in-plane only.
 */
public record NetworkGrid(Volume oriented, Grid grid) {

    public static NetworkGrid of(PreProcessing pre, Volume image, Parallel parallel) {
        Volume oriented =
                pre != null && pre.orientation() != null ? new Orientation(pre.orientation()).apply(image) : image;
        Grid grid = Grid.of(oriented);
        Resampler resampler = new Resampler(parallel);
        if (pre != null && pre.spacing() != null) {
            // two values (a 2-D model's) resample in-plane only: the slices stay the image's own
            double sz = pre.spacing().size() == 3
                    ? pre.spacing().get(2)
                    : grid.affine().spacing()[2];
            grid = new Spacing(resampler, pre.spacing().get(0), pre.spacing().get(1), sz).targetGrid(grid);
        }
        if (pre != null && pre.resize() != null) {
            grid = new Resize(
                            resampler,
                            pre.resize().get(0),
                            pre.resize().get(1),
                            pre.resize().get(2),
                            Resize.Mode.LINEAR)
                    .targetGrid(grid);
        }
        return new NetworkGrid(oriented, grid);
    }
}
