package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.PythonOracle;

/** Resampling compared with scipy.ndimage.map_coordinates (order 1 and 0, border mode) on a real MRI and its labels. */
class ResamplerTest {

    private static final Path T1 = SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz");
    private static final Path LABELS =
            SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1KmeansPrelimSegmentation.nii.gz");

    private final Resampler resampler = new Resampler(Parallel.threads(2));

    @Test
    void spacingFollowsMonaiShapeRule() throws Exception {
        Volume t1 = new NiftiReader().read(T1); // 128x128x62 at 2x2x3 mm
        Grid grid = new Spacing(resampler, 1.5, 1.5, 1.5).targetGrid(Grid.of(t1));
        assertEquals(List.of(170, 170, 123), List.of(grid.nx(), grid.ny(), grid.nz()));
        double[] spacing = grid.affine().spacing();
        assertEquals(1.5, spacing[0], 1e-9);
        assertEquals(1.5, spacing[2], 1e-9);
        assertTrue(grid.affine().apply(0, 0, 0)[0] == t1.affine().apply(0, 0, 0)[0], "the first voxel centre stays");
        Grid ct = new Spacing(resampler, 1, 1, 1).targetGrid(new Grid(256, 256, 100, Affine.scaling(1, 1, 2, 0, 0, 0)));
        assertEquals(List.of(256, 256, 199), List.of(ct.nx(), ct.ny(), ct.nz()));
    }

    @Test
    void linearToNewSpacingMatchesScipy(@TempDir Path dir) throws Exception {
        Volume t1 = new NiftiReader().read(T1);
        Grid target = new Spacing(resampler, 1.5, 1.5, 1.5).targetGrid(Grid.of(t1));
        assertMatchesScipy(t1, target, Interpolation.LINEAR, dir, 1e-4);
    }

    @Test
    void linearOntoAnObliqueGridMatchesScipy(@TempDir Path dir) throws Exception {
        Volume t1 = new NiftiReader().read(T1);
        double a = Math.toRadians(10);
        Affine rotation = Affine.of(Math.cos(a), -Math.sin(a), 0, 3, Math.sin(a), Math.cos(a), 0, -2, 0, 0, 1, 1);
        Grid target =
                new Grid(100, 110, 50, rotation.multiply(t1.affine()).multiply(Affine.scaling(1.2, 1.2, 1.1, 0, 0, 0)));
        assertMatchesScipy(t1, target, Interpolation.LINEAR, dir, 1e-4);
    }

    @Test
    void nearestKeepsLabelValuesAndMatchesScipy(@TempDir Path dir) throws Exception {
        Volume labels = new NiftiReader().read(LABELS);
        Grid target = new Spacing(resampler, 1.25, 1.25, 1.25).targetGrid(Grid.of(labels));
        Volume result = assertMatchesScipy(labels, target, Interpolation.NEAREST, dir, 0);
        assertEquals(labels.type(), result.type());
    }

    @Test
    void restoringOntoTheOriginalGridAfterUpsamplingIsLossless() throws Exception {
        Volume labels = new NiftiReader().read(LABELS);
        Volume up = new Spacing(resampler, 1, 1, 1).apply(labels, Interpolation.NEAREST); // 2x2x3 mm -> 1 mm exactly
        Volume back = resampler.resample(up, Grid.of(labels), Interpolation.NEAREST);
        for (int i = 0; i < labels.voxels().length(); i++) {
            assertEquals(labels.voxels().get(i), back.voxels().get(i), "voxel " + i);
        }
    }

    @Test
    void parallelAndSequentialAgreeBitForBit() throws Exception {
        Volume t1 = new NiftiReader().read(T1);
        Grid target = new Spacing(resampler, 1, 1, 1).targetGrid(Grid.of(t1));
        Volume a = new Resampler(Parallel.sequential()).resample(t1, target, Interpolation.LINEAR);
        Volume b = new Resampler(Parallel.threads(3)).resample(t1, target, Interpolation.LINEAR);
        assertEquals(
                org.medlabel.imaging.io.Oracle.digest(a.voxels()), org.medlabel.imaging.io.Oracle.digest(b.voxels()));
    }

    private Volume assertMatchesScipy(
            Volume source, Grid target, Interpolation interpolation, Path dir, double tolerance) throws Exception {
        Volume result = resampler.resample(source, target, interpolation);
        Path input = dir.resolve("source.nii");
        Path expectedFile = dir.resolve("expected.raw");
        new NiftiWriter().write(source, input);
        List<Object> args = new ArrayList<>(List.of(
                "resample",
                input,
                expectedFile,
                interpolation == Interpolation.LINEAR ? 1 : 0,
                target.nx(),
                target.ny(),
                target.nz()));
        for (double v : first12(source.affine())) {
            args.add(v);
        }
        for (double v : first12(target.affine())) {
            args.add(v);
        }
        PythonOracle.run("ndimage_oracle.py", args.toArray());
        double[] expected = PythonOracle.readDoubles(expectedFile);
        assertEquals(expected.length, result.voxels().length());
        int worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(result.voxels().get(i) - expected[i]) / Math.max(1, Math.abs(expected[i]));
            if (error > worstError) {
                worstError = error;
                worst = i;
            }
        }
        assertTrue(
                worstError <= tolerance,
                "voxel " + worst + ": " + result.voxels().get(worst) + " vs scipy " + expected[worst]);
        return result;
    }

    private static double[] first12(Affine a) {
        double[] all = a.toArray();
        double[] rows = new double[12];
        System.arraycopy(all, 0, rows, 0, 12);
        return rows;
    }
}
