package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.imaging.io.Oracle.SHARED_DATA;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.imaging.io.NiftiReader;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.volume.Grid;
import org.medlabel.imaging.volume.Region;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.testinfra.PythonOracle;

/** Resize against scipy (zoom with grid mode; adaptive average pooling); crop, pad and paste back. */
class ResizeAndCropTest {

    private static final Path T1 = SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1UCharRaw.nii.gz");

    private final Resampler resampler = new Resampler(Parallel.threads(2));

    @ParameterizedTest(name = "{0} to {1}x{2}x{3}")
    @CsvSource({"LINEAR, 96, 150, 40", "LINEAR, 200, 64, 62", "AREA, 64, 50, 31", "AREA, 100, 128, 20"})
    void matchesScipy(Resize.Mode mode, int nx, int ny, int nz, @TempDir Path dir) throws Exception {
        Volume t1 = new NiftiReader().read(T1); // 128x128x62
        Volume resized = new Resize(resampler, nx, ny, nz, mode).apply(t1);
        Path input = dir.resolve("t1.nii");
        Path expected = dir.resolve("expected.raw");
        new NiftiWriter().write(t1, input);
        PythonOracle.run(
                "ndimage_oracle.py", "resize", input, expected, mode.name().toLowerCase(), nx, ny, nz);
        double[] scipy = PythonOracle.readDoubles(expected);
        assertEquals(scipy.length, resized.voxels().length());
        for (int i = 0; i < scipy.length; i++) {
            assertEquals(scipy[i], resized.voxels().get(i), 1e-4 * Math.max(1, Math.abs(scipy[i])), "voxel " + i);
        }
    }

    @Test
    void resizeKeepsTheImageExtent() throws Exception {
        Volume t1 = new NiftiReader().read(T1);
        Grid g = new Resize(resampler, 64, 64, 31, Resize.Mode.AREA).targetGrid(Grid.of(t1));
        // The outer voxel edges stay put: the first source edge is at voxel -0.5, and so is the first target edge.
        assertArrayEquals(t1.affine().apply(-0.5, -0.5, -0.5), g.affine().apply(-0.5, -0.5, -0.5), 1e-9);
        assertArrayEquals(t1.affine().apply(127.5, 127.5, 61.5), g.affine().apply(63.5, 63.5, 30.5), 1e-9);
    }

    @Test
    void cutPadsOutsideKeepsWorldPositionsAndPastesBack() throws Exception {
        Volume t1 = new NiftiReader().read(T1);
        Region r = Region.around(new double[] {5.6, 64, 60}, 32, 16, 8); // reaches past x = 0 and z = 61
        assertEquals(new Region(-11, 56, 56, 32, 16, 8), r);
        Volume cut = Crop.cut(t1, r, -1000);
        assertEquals(-1000, cut.get(0, 0, 0));
        assertEquals(t1.get(0, 56, 56), cut.get(11, 0, 0));
        assertEquals(t1.get(20, 71, 61), cut.get(31, 15, 5));
        assertEquals(-1000, cut.get(31, 15, 6));
        assertArrayEquals(t1.affine().apply(20, 71, 61), cut.affine().apply(31, 15, 5), 1e-9);

        Volume back = Crop.paste(cut, r, Grid.of(t1), 0);
        assertEquals(t1.get(20, 71, 61), back.get(20, 71, 61));
        assertEquals(0, back.get(21, 71, 61), "outside the region: background");
        assertEquals(t1.affine(), back.affine());
    }

    @Test
    void foregroundRegionIsTheGrownBoundingBox() throws Exception {
        Volume labels = new NiftiReader().read(SHARED_DATA.resolve("mri_itk_kmeans/KmeansTest_T1RawSkullStrip.nii.gz"));
        Region tight = Region.foreground(labels, 0);
        Volume cut = Crop.cut(labels, tight, 0);
        double inside = 0, all = 0;
        for (int i = 0; i < labels.voxelCount(); i++) {
            all += labels.voxels().get(i);
        }
        for (int i = 0; i < cut.voxelCount(); i++) {
            inside += cut.voxels().get(i);
        }
        assertEquals(all, inside, "nothing of the foreground is cut off");
        Region grown = Region.foreground(labels, 3);
        assertEquals(Math.max(0, tight.x() - 3), grown.x());
        assertEquals(
                new Region(0, 0, 0, 4, 4, 4),
                Region.foreground(Volume.zeros(4, 4, 4, 1, labels.type(), labels.affine()), 2));
    }

    /**
     * {@link Region#above} against MONAI's own {@code CropForeground} box (monai_crop_foreground.py) on the head CT: in
     * the spleen's window (-57..164 HU to 0..1, clipped; MONAI Label's {@code CropForegroundd} keeps x > 0), and on the
     * raw HU above bone's 300, with and without a margin.
     */
    @ParameterizedTest(name = "window {0}, floor {1}, margin {2}")
    @CsvSource({"true, 0, 0", "true, 0, 5", "false, 300, 0", "false, 300, 7"})
    void aboveTheFloorIsMonaisForegroundBox(boolean window, double floor, int margin, @TempDir Path dir)
            throws Exception {
        Volume ct = new NiftiReader().read(SHARED_DATA.resolve("ct_head_invesalius/ct.nii.gz"));
        Volume v = window ? new IntensityWindow(-57, 164, 0, 1, true).apply(ct) : ct;
        ByteBuffer bytes = ByteBuffer.allocate(4 * v.voxels().length()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.voxels().length(); i++) {
            bytes.putFloat((float) v.voxels().get(i));
        }
        Path in = dir.resolve("in.bin");
        Files.write(in, bytes.array());
        String[] box = PythonOracle.run(
                        "monai_crop_foreground.py",
                        in,
                        v.channels() + "," + v.nx() + "," + v.ny() + "," + v.nz(),
                        floor,
                        margin)
                .trim()
                .split(" ");
        int[] start = {Integer.parseInt(box[0]), Integer.parseInt(box[1]), Integer.parseInt(box[2])};
        int[] end = {Integer.parseInt(box[3]), Integer.parseInt(box[4]), Integer.parseInt(box[5])};
        Region ours = Region.above(v, margin, floor);
        assertEquals(
                new Region(start[0], start[1], start[2], end[0] - start[0], end[1] - start[1], end[2] - start[2]),
                ours);
        assertTrue(ours.sx() * ours.sy() * ours.sz() < v.voxelCount(), "the box cuts something off: " + ours);
    }
}
