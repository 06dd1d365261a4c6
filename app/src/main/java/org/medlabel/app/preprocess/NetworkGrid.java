package org.medlabel.app.preprocess;

import org.medlabel.app.config.PreProcessing;
import org.medlabel.imaging.transform.Interpolation;
import org.medlabel.imaging.transform.Orientation;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.transform.Resize;
import org.medlabel.imaging.transform.Spacing;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;

/**
 * The image reoriented as the model wants (a copy with axes permuted and flipped: exact, and it keeps the resampling
 * that follows on the fast axis-aligned path), the grid after its spacing step and the grid the network sees (spacing,
 * then resize, applied to that orientation's grid). Two spacing values (a 2-D model's) resample in-plane only.
 */
public record NetworkGrid(Volume oriented, Grid spaced, Grid grid, PreProcessing pre, Parallel parallel) {

    public static NetworkGrid of(PreProcessing pre, Volume image, Parallel parallel) {
        Volume oriented =
                pre != null && pre.orientation() != null ? new Orientation(pre.orientation()).apply(image) : image;
        Grid spaced = Grid.of(oriented);
        if (pre != null && pre.spacing() != null) {
            // two values (a 2-D model's) resample in-plane only: the slices stay the image's own
            double sz = pre.spacing().size() == 3
                    ? pre.spacing().get(2)
                    : spaced.affine().spacing()[2];
            spaced = new Spacing(
                            new Resampler(parallel),
                            pre.spacing().get(0),
                            pre.spacing().get(1),
                            sz)
                    .targetGrid(spaced);
        }
        Grid grid = pre != null && pre.resize() != null ? resize(pre, parallel).targetGrid(spaced) : spaced;
        return new NetworkGrid(oriented, spaced, grid, pre, parallel);
    }

    /**
     * What the network reads: the image resampled onto its grid (linearly), then the intensity steps; with a resize,
     * MONAI's order (DeepEdit's {@code ScaleIntensityRanged} then {@code Resized(mode="area")}): the intensity steps on
     * the spaced image, then voxels averaged onto the resized grid.
     */
    public Volume input() {
        Resampler resampler = new Resampler(parallel);
        if (pre == null || pre.resize() == null) {
            return IntensityStep.apply(pre, resampler.resample(oriented, grid, Interpolation.LINEAR));
        }
        Volume onSpacing =
                pre.spacing() == null ? oriented : resampler.resample(oriented, spaced, Interpolation.LINEAR);
        return resize(pre, parallel).apply(IntensityStep.apply(pre, onSpacing));
    }

    /**
     * Network output back on the oriented image's voxels as MONAI's {@code Invertd} undoes a resize, by the same area
     * averaging (MONAI's inverse of {@code Resized(mode="area")}); without a spacing step in between, else linearly.
     */
    public Volume undoResize(Volume output) {
        Resampler resampler = new Resampler(parallel);
        if (pre == null || pre.resize() == null || pre.spacing() != null) {
            return resampler.resample(output, Grid.of(oriented), Interpolation.LINEAR);
        }
        Volume back =
                new Resize(resampler, oriented.nx(), oriented.ny(), oriented.nz(), Resize.Mode.AREA).apply(output);
        return back.withAffine(oriented.affine());
    }

    private static Resize resize(PreProcessing pre, Parallel parallel) {
        return new Resize(
                new Resampler(parallel),
                pre.resize().get(0),
                pre.resize().get(1),
                pre.resize().get(2),
                Resize.Mode.AREA);
    }
}
