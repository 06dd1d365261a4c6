package org.medlabel.app.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.transform.Resampler;
import org.medlabel.imaging.transform.Resize;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;

class GridPointsTest {

    private static final Grid IMAGE = new Grid(100, 80, 60, Affine.scaling(0.8, 0.8, 2.5, -40, 12, 300));

    @Test
    void aPointMovesWithTheWorldAndEdgeVoxelsStayOnTheCoarserGridsEdge() {
        Grid coarse =
                new Resize(new Resampler(Parallel.sequential()), 40, 40, 30, Resize.Mode.LINEAR).targetGrid(IMAGE);
        List<double[]> mapped = GridPoints.map(
                List.of(new double[] {0, 0, 0}, new double[] {99, 79, 59}, new double[] {49.5, 39.5, 29.5}),
                IMAGE,
                coarse);
        // by voxel centres the corners land 0.3 / 0.25 / 0.25 voxels outside the 40x40x30 grid
        assertArrayEquals(new double[] {0, 0, 0}, mapped.get(0), 1e-9);
        assertArrayEquals(new double[] {39, 39, 29}, mapped.get(1), 1e-9);
        assertArrayEquals(new double[] {19.5, 19.5, 14.5}, mapped.get(2), 1e-9, "the centre maps to the centre");
    }

    @Test
    void aPointOnASlicesGridLiesExactlyOnIt() {
        Grid slice = IMAGE.sub(new Region(10, 5, 17, 50, 50, 1));
        double[] p =
                GridPoints.map(List.of(new double[] {30, 25, 17}), IMAGE, slice).get(0);
        assertArrayEquals(new double[] {20, 20, 0}, p, 1e-9);
        assertEquals(0.0, p[2], 0.0, "exactly 0, not a rounding error below it");
    }
}
