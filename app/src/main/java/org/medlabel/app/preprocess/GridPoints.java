package org.medlabel.app.preprocess;

import java.util.ArrayList;
import java.util.List;
import org.medlabel.imaging.volume.Grid;

/** Points (voxel coordinates, e.g. clicks) carried from one grid to another through world space. */
public final class GridPoints {

    private GridPoints() {}

    /**
     * {@code points} on {@code from} as voxel coordinates of {@code to}, kept inside {@code to}: a point on an edge
     * voxel maps up to half a (coarser) voxel outside the grid by its centre, where guidance would drop it (MONAI's
     * scaled indices keep it on the edge); a one-slice grid gets exactly 0 rather than a rounding error's ±1e-13. A new
     * list, the caller's to extend.
     */
    public static List<double[]> map(List<double[]> points, Grid from, Grid to) {
        var toIndex = to.affine().inverse();
        int[] size = {to.nx(), to.ny(), to.nz()};
        List<double[]> mapped = new ArrayList<>();
        for (double[] c : points) {
            double[] world = from.affine().apply(c[0], c[1], c[2]);
            double[] p = toIndex.apply(world[0], world[1], world[2]);
            for (int a = 0; a < 3; a++) {
                p[a] = Math.max(0, Math.min(size[a] - 1, p[a]));
            }
            mapped.add(p);
        }
        return mapped;
    }
}
