package org.medlabel.imaging.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.medlabel.imaging.transform.SlidingWindow.Blend;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.testinfra.PythonOracle;

class SlidingWindowTest {

    private static final Affine UNIT = Affine.scaling(1, 1, 1, 0, 0, 0);

    @Test
    void windowStartsFollowMonaiDensePatchSlices() {
        assertArrayEquals(new int[] {0, 39}, SlidingWindow.starts(199, 160, 0.25)); // the spleen model at 1 mm
        assertArrayEquals(new int[] {0, 96}, SlidingWindow.starts(256, 160, 0.25));
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(160, 160, 0.25));
        assertArrayEquals(new int[] {0, 2, 4, 6}, SlidingWindow.starts(10, 4, 0.5));
        assertArrayEquals(new int[] {0, 1, 2}, SlidingWindow.starts(5, 3, 0.9)); // the step never drops below 1
    }

    @ParameterizedTest
    @EnumSource(Blend.class)
    void anIdentityModelReproducesTheImageWhateverTheWindowsAndPadding(Blend blend) throws Exception {
        Volume image = random(23, 17, 9, 2);
        for (int batch : new int[] {1, 3}) {
            // 8x8x12: larger than the image along z, so it is padded and cropped back
            Volume out = new SlidingWindow(8, 8, 12, 0.25, blend, batch, -5f).run(image, patches -> patches);
            assertEquals(2, out.channels());
            assertEquals(VoxelType.FLOAT32, out.type());
            for (int i = 0; i < image.voxels().length(); i++) {
                assertEquals(image.voxels().get(i), out.voxels().get(i), 1e-4, "voxel " + i + ", batch " + batch);
            }
        }
    }

    /** Windows read integer voxels one by one and float ones row by row: both give the same patches. */
    @Test
    void anIntegerImageGivesThePatchesOfItsFloatCopy() throws Exception {
        Volume floats = random(23, 17, 9, 2);
        Volume shorts = Volume.zeros(23, 17, 9, 2, VoxelType.INT16, UNIT);
        for (int i = 0; i < floats.voxels().length(); i++) {
            shorts.voxels().set(i, Math.rint(floats.voxels().get(i)));
            floats.voxels().set(i, shorts.voxels().get(i));
        }
        List<float[]> seen = new ArrayList<>();
        SlidingWindow window = new SlidingWindow(10, 8, 12, 0.5, Blend.CONSTANT, 1, -7f);
        window.run(floats, patches -> {
            seen.add(patches[0].clone());
            return patches;
        });
        int[] next = {0};
        window.run(shorts, patches -> {
            assertArrayEquals(seen.get(next[0]++), patches[0]);
            return patches;
        });
        assertEquals(seen.size(), next[0]);
    }

    @Test
    void overlappingWindowsAreAveragedWithConstantBlending() throws Exception {
        Volume image = Volume.zeros(10, 1, 1, 1, VoxelType.FLOAT32, UNIT);
        AtomicInteger window = new AtomicInteger();
        // Windows start at x = 0, 2, 4, 6; each predicts its own number (1..4) everywhere, in one output channel.
        Volume out = new SlidingWindow(4, 1, 1, 0.5, Blend.CONSTANT, 2, 0).run(image, patches -> {
            float[][] result = new float[patches.length][4];
            for (float[] r : result) {
                java.util.Arrays.fill(r, window.incrementAndGet());
            }
            return result;
        });
        assertEquals(1, out.get(0, 0, 0), 1e-6); // only window 1
        assertEquals(1.5, out.get(2, 0, 0), 1e-6); // windows 1 and 2
        assertEquals(3.5, out.get(6, 0, 0), 1e-6); // windows 3 and 4
        assertEquals(4, out.get(9, 0, 0), 1e-6); // only window 4
    }

    @Test
    void gaussianBlendingFavoursTheWindowWhoseCentreIsNearer() throws Exception {
        Volume image = Volume.zeros(12, 1, 1, 1, VoxelType.FLOAT32, UNIT);
        AtomicInteger window = new AtomicInteger();
        Volume out = new SlidingWindow(8, 1, 1, 0.5, Blend.GAUSSIAN, 1, 0).run(image, patches -> {
            float[] r = new float[8];
            java.util.Arrays.fill(r, window.incrementAndGet() == 1 ? 0 : 1);
            return new float[][] {r};
        });
        // Windows at 0 and 4 (centres 4 and 8): x = 5 is nearer window 1's centre, x = 7 nearer window 2's.
        assertEquals(true, out.get(5, 0, 0) < 0.5, "x=5: " + out.get(5, 0, 0));
        assertEquals(true, out.get(7, 0, 0) > 0.5, "x=7: " + out.get(7, 0, 0));
        assertEquals(0, out.get(0, 0, 0), 1e-6);
        assertEquals(1, out.get(11, 0, 0), 1e-6);
    }

    /**
     * MONAI's own SlidingWindowInferer (monai_window.py) with a network whose output depends on each voxel's place in
     * its window, so that window positions, padding and blending weights all show: equal within float rounding.
     */
    @ParameterizedTest
    @CsvSource({
        "CONSTANT, 40, 33, 21, 16, 16, 16, 0.25, 0", // several windows per axis, the last one moved back
        "GAUSSIAN, 40, 33, 21, 16, 16, 16, 0.25, 0",
        "CONSTANT, 23, 12, 30, 16, 16, 8, 0.5, -1", // smaller than the window along x and y: padded with -1
        "GAUSSIAN, 23, 12, 30, 16, 16, 8, 0.5, -1",
        "GAUSSIAN, 23, 12, 7, 16, 16, 8, 0.5, replicate" // the whole-body bundle's padding: the edge repeated
    })
    void blendsAsMonaisSlidingWindowInferer(
            Blend blend, int nx, int ny, int nz, int rx, int ry, int rz, double overlap, String pad) throws Exception {
        Volume image = random(nx, ny, nz, 2);
        int windowVoxels = rx * ry * rz;
        boolean replicate = pad.equals("replicate");
        SlidingWindow.Padding padding = replicate ? SlidingWindow.Padding.REPLICATE : SlidingWindow.Padding.CONSTANT;
        float value = replicate ? 0 : Float.parseFloat(pad);
        Volume ours = new SlidingWindow(rx, ry, rz, overlap, blend, 3, padding, value).run(image, patches -> {
            float[][] out = new float[patches.length][2 * windowVoxels];
            for (int b = 0; b < patches.length; b++) {
                for (int k = 0, v = 0; k < rz; k++) {
                    for (int j = 0; j < ry; j++) {
                        for (int i = 0; i < rx; i++, v++) {
                            float first = patches[b][v];
                            float last = patches[b][windowVoxels + v];
                            out[b][v] = first * (1 + (float) i / rx + 2f * j / ry + 3f * k / rz);
                            out[b][windowVoxels + v] = first * first + last;
                        }
                    }
                }
            }
            return out;
        });
        Path dir = Files.createTempDirectory("window");
        Path in = dir.resolve("in.bin");
        Path outFile = dir.resolve("out.bin");
        ByteBuffer bytes = ByteBuffer.allocate(4 * image.voxels().length()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < image.voxels().length(); i++) {
            bytes.putFloat((float) image.voxels().get(i));
        }
        Files.write(in, bytes.array());
        PythonOracle.run(
                "monai_window.py",
                in,
                outFile,
                "2," + nx + "," + ny + "," + nz,
                rx + "," + ry + "," + rz,
                overlap,
                blend.name().toLowerCase(Locale.ROOT),
                pad);
        ByteBuffer monai = ByteBuffer.wrap(Files.readAllBytes(outFile)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(ours.voxels().length() * 4, monai.capacity());
        double worst = 0;
        for (int i = 0; i < ours.voxels().length(); i++) {
            double expected = monai.getFloat(4 * i);
            worst = Math.max(worst, Math.abs(ours.voxels().get(i) - expected) / Math.max(1, Math.abs(expected)));
        }
        assertTrue(worst < 1e-5, blend + ": worst relative difference from MONAI " + worst);
    }

    @Test
    void refusesPredictionsOfTheWrongShape() {
        Volume image = random(8, 8, 8, 1);
        SlidingWindow window = new SlidingWindow(4, 4, 4, 0, Blend.CONSTANT, 2, 0);
        assertThrows(IllegalStateException.class, () -> window.run(image, patches -> new float[][] {new float[64]}));
        assertThrows(
                IllegalStateException.class,
                () -> window.run(image, patches -> new float[][] {new float[5], new float[5]}));
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindow(4, 4, 4, 1.0, Blend.CONSTANT, 1, 0));
    }

    @Test
    void erfMatchesKnownValues() {
        assertEquals(0, Erf.erf(0), 1e-9);
        assertEquals(0.5204998778130465, Erf.erf(0.5), 1e-12);
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-12);
        assertEquals(-0.9953222650189527, Erf.erf(-2), 1e-12);
        assertEquals(0.9999779095030014, Erf.erf(3), 1e-12);
        assertEquals(0.9999999845827421, Erf.erf(4), 1e-9);
        assertEquals(0.9999999652077514, Erf.erf(3.9), 1e-9); // values from scipy.special.erf
        assertEquals(1, Erf.erf(6), 1e-9);
    }

    private static Volume random(int nx, int ny, int nz, int channels) {
        Volume v = Volume.zeros(nx, ny, nz, channels, VoxelType.FLOAT32, UNIT);
        Random random = new Random(3);
        for (int i = 0; i < v.voxels().length(); i++) {
            v.voxels().set(i, random.nextGaussian() * 100);
        }
        return v;
    }
}
