package org.medlabel.imaging.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.imaging.volume.VoxelType;

/** {@link Rotate90} against MONAI's {@code Rotate90(k, spatial_axes=(0, 1))}; the draws of {@link RandomRotate90}. */
class Rotate90Test {

    /** 3 x 2 x 2 voxels, x fastest: voxel (i, j, k) holds i * 4 + j * 2 + k (np.arange(12).reshape(1, 3, 2, 2)). */
    private static final double[] IN = {0, 4, 8, 2, 6, 10, 1, 5, 9, 3, 7, 11};

    /** MONAI 1.5's Rotate90(k, spatial_axes=(0, 1)) of that array, written x fastest (printed by MONAI itself). */
    private static final double[][] MONAI = {
        {2, 0, 6, 4, 10, 8, 3, 1, 7, 5, 11, 9},
        {10, 6, 2, 8, 4, 0, 11, 7, 3, 9, 5, 1},
        {8, 10, 4, 6, 0, 2, 9, 11, 5, 7, 1, 3}
    };

    private static final Affine OBLIQUE = Affine.of(0.9, 0.1, 0, 10, -0.2, 1.1, 0, -5, 0, 0.3, 2, 7);

    @Test
    void quarterTurnsAreMonaisAndKeepWorldPositions() {
        VoxelBuffer voxels = VoxelBuffer.allocate(VoxelType.FLOAT32, IN.length);
        for (int i = 0; i < IN.length; i++) {
            voxels.set(i, IN[i]);
        }
        Volume in = new Volume(3, 2, 2, OBLIQUE, voxels);
        for (int k = 1; k <= 3; k++) {
            Volume out = new Rotate90(k).apply(in);
            assertArrayEquals(new int[] {k == 2 ? 3 : 2, k == 2 ? 2 : 3, 2}, new int[] {out.nx(), out.ny(), out.nz()});
            double[] got = new double[IN.length];
            for (int i = 0; i < got.length; i++) {
                got[i] = out.voxels().get(i);
            }
            assertArrayEquals(MONAI[k - 1], got, "k = " + k);
            for (int z = 0; z < 2; z++) {
                for (int y = 0; y < out.ny(); y++) {
                    for (int x = 0; x < out.nx(); x++) {
                        double v = out.get(x, y, z);
                        // the voxel that held this value, and where both say it is
                        int source = indexOf(v);
                        double[] was = in.affine().apply(source % 3, (source / 3) % 2, source / 6);
                        assertArrayEquals(was, out.affine().apply(x, y, z), 1e-12, "world position of " + v);
                    }
                }
            }
        }
        assertSame(in, new Rotate90(4).apply(in), "four quarter turns: none");
    }

    @Test
    void aDrawRotatesByOneToMaxKQuarterTurnsWithTheGivenProbability() {
        Random random = new Random(1);
        int[] counts = new int[4];
        RandomRotate90 always = new RandomRotate90(1, 3);
        for (int t = 0; t < 3000; t++) {
            counts[always.draw(random).k()]++;
        }
        assertEquals(0, counts[0]);
        for (int k = 1; k <= 3; k++) {
            assertEquals(1000, counts[k], 100, "k = " + k);
        }
        RandomRotate90 sometimes = new RandomRotate90(0.1, 3);
        int rotated = 0;
        for (int t = 0; t < 3000; t++) {
            rotated += sometimes.draw(random).k() != 0 ? 1 : 0;
        }
        assertEquals(300, rotated, 60);
    }

    private static int indexOf(double v) {
        for (int i = 0; i < IN.length; i++) {
            if (IN[i] == v) {
                return i;
            }
        }
        throw new AssertionError(v);
    }
}
