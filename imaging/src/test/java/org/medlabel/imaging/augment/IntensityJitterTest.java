package org.medlabel.imaging.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

class IntensityJitterTest {

    private static final Affine UNIT = Affine.scaling(1, 1, 1, 0, 0, 0);

    /** Two voxels per channel, values 10 and 20 (channel 0) or -1000 and 3000 (channel 1). */
    private static Volume image(VoxelType type) {
        Volume v = Volume.zeros(2, 1, 1, 2, type, UNIT);
        double[] values = {10, 20, -1000, 3000};
        for (int i = 0; i < values.length; i++) {
            v.voxels().set(i, values[i]);
        }
        return v;
    }

    /** The gain and offset of one jittered image, solved from the two voxels furthest apart. */
    private static double[] gainAndOffset(Volume in, Volume out) {
        double gain = (out.voxels().get(3) - out.voxels().get(2))
                / (in.voxels().get(3) - in.voxels().get(2));
        return new double[] {gain, out.voxels().get(2) - gain * in.voxels().get(2)};
    }

    @Test
    void theScaleFactorIsUniformOnPlusMinusScale() {
        IntensityJitter jitter = new IntensityJitter(0.2, 0, 1);
        Volume in = image(VoxelType.FLOAT32);
        Random random = new Random(1);
        int draws = 20_000;
        double sum = 0, sumSq = 0;
        for (int d = 0; d < draws; d++) {
            double f = jitter.apply(in, random).get(1, 0, 0) / 20 - 1;
            assertTrue(Math.abs(f) <= 0.2 + 1e-6, () -> "factor " + f);
            sum += f;
            sumSq += f * f;
        }
        double variance = 0.2 * 0.2 / 3; // of U(-0.2, 0.2)
        assertEquals(0, sum / draws, 5 * Math.sqrt(variance / draws), "mean factor");
        assertEquals(variance, sumSq / draws, 0.05 * variance, "mean squared factor");
    }

    @Test
    void theShiftIsAbsoluteAndUniformWhateverTheImageSpread() {
        // Channel 1 spans 4000 units; a shift relative to the spread would be far beyond 0.5.
        IntensityJitter jitter = new IntensityJitter(0, 0.5, 1);
        Volume in = image(VoxelType.FLOAT32);
        Random random = new Random(2);
        int draws = 20_000;
        double sum = 0, sumSq = 0;
        for (int d = 0; d < draws; d++) {
            Volume out = jitter.apply(in, random);
            double o = out.voxels().get(0) - 10;
            assertTrue(Math.abs(o) <= 0.5 + 1e-5, () -> "offset " + o);
            assertEquals(-1000 + o, out.voxels().get(2), 1e-3, "one offset for all channels");
            sum += o;
            sumSq += o * o;
        }
        double variance = 0.5 * 0.5 / 3;
        assertEquals(0, sum / draws, 5 * Math.sqrt(variance / draws), "mean offset");
        assertEquals(variance, sumSq / draws, 0.05 * variance, "mean squared offset");
    }

    @Test
    void everyVoxelGetsTheSameGainThenOffset() {
        IntensityJitter jitter = new IntensityJitter(0.1, 0.1, 1);
        Volume in = image(VoxelType.INT16);
        Random random = new Random(3);
        for (int d = 0; d < 100; d++) {
            Volume out = jitter.apply(in, random);
            double[] g = gainAndOffset(in, out);
            assertTrue(Math.abs(g[0] - 1) <= 0.1 + 1e-6 && Math.abs(g[1]) <= 0.1 + 1e-3, () -> g[0] + ", " + g[1]);
            for (int i = 0; i < 4; i++) {
                double expected = in.voxels().get(i) * g[0] + g[1];
                assertEquals(expected, out.voxels().get(i), 1e-3, "voxel " + i);
            }
            assertEquals(VoxelType.FLOAT32, out.type());
            assertEquals(in.affine(), out.affine());
        }
        assertEquals(-1000, in.voxels().get(2), "the input is unchanged");
    }

    @Test
    void appliesWithTheProbability() {
        IntensityJitter jitter = new IntensityJitter(0.1, 0.1, 0.3);
        Volume in = image(VoxelType.FLOAT32);
        Random random = new Random(4);
        int draws = 10_000, changed = 0;
        for (int d = 0; d < draws; d++) {
            Volume out = jitter.apply(in, random);
            if (out != in) {
                changed++;
            }
        }
        assertEquals(0.3, changed / (double) draws, 5 * Math.sqrt(0.3 * 0.7 / draws));
    }

    @Test
    void anUnchangedImageIsStillFloat32() {
        IntensityJitter never = new IntensityJitter(0.1, 0.1, 0);
        Volume floats = image(VoxelType.FLOAT32);
        assertSame(floats, never.apply(floats, new Random(5)));
        Volume shorts = image(VoxelType.INT16);
        Volume converted = never.apply(shorts, new Random(5));
        assertEquals(VoxelType.FLOAT32, converted.type());
        for (int i = 0; i < 4; i++) {
            assertEquals(shorts.voxels().get(i), converted.voxels().get(i));
        }
    }

    @Test
    void theSameSeedGivesTheSameJitter() {
        IntensityJitter jitter = new IntensityJitter(0.1, 0.1, 0.5);
        Volume in = image(VoxelType.FLOAT32);
        Random a = new Random(6), b = new Random(6), other = new Random(7);
        double[] first = new double[50], second = new double[50], third = new double[50];
        for (int d = 0; d < 50; d++) {
            first[d] = jitter.apply(in, a).voxels().get(3);
            second[d] = jitter.apply(in, b).voxels().get(3);
            third[d] = jitter.apply(in, other).voxels().get(3);
        }
        assertArrayEquals(first, second);
        assertFalse(Arrays.equals(first, third));
    }

    @Test
    void rejectsNegativeRangesAndBadProbabilities() {
        assertThrows(IllegalArgumentException.class, () -> new IntensityJitter(-0.1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new IntensityJitter(0, Double.POSITIVE_INFINITY, 1));
        assertThrows(IllegalArgumentException.class, () -> new IntensityJitter(0.1, 0.1, -0.1));
    }
}
