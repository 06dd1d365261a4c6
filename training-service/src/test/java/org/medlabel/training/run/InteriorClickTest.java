package org.medlabel.training.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.testinfra.PythonOracle;

/** Where DeepEdit's simulated clicks fall, against what MONAI's deepedit transforms compute (scipy, scikit-image). */
class InteriorClickTest {

    private static final int NX = 23, NY = 19, NZ = 11, Z = 5;

    @TempDir
    Path tmp;

    @Test
    void distancesRegionsAndClickChancesAreMonais() throws Exception {
        boolean[] region = region();
        byte[] bytes = new byte[region.length];
        for (int i = 0; i < region.length; i++) {
            bytes[i] = (byte) (region[i] ? 1 : 0);
        }
        Path mask = tmp.resolve("mask.raw"), out = tmp.resolve("out.f64");
        Files.write(mask, bytes);
        PythonOracle.run("interior_click.py", mask, NX, NY, NZ, Z, out);
        double[] monai = PythonOracle.readDoubles(out);
        int n = region.length, plane = NX * NY;

        double[] distance = Arrays.stream(InteriorClick.chessboard(region, NX, NY, NZ))
                .asDoubleStream()
                .toArray();
        assertArrayEquals(Arrays.copyOfRange(monai, 0, n), distance, "scipy's chessboard distance_transform_cdt");
        assertArrayEquals(
                Arrays.copyOfRange(monai, n, 2 * n),
                InteriorClick.probabilities(region, NX, NY, NZ),
                1e-12,
                "find_guidance's exp(d) - 1, normalised");

        boolean[] slice = Arrays.copyOfRange(region, Z * plane, (Z + 1) * plane);
        double[] blobs = Arrays.stream(InteriorClick.blobs(slice, NX, NY))
                .asDoubleStream()
                .toArray();
        assertTrue(Arrays.stream(blobs).max().orElse(0) >= 3, "the slice has several regions to number");
        assertArrayEquals(
                Arrays.copyOfRange(monai, 2 * n, 2 * n + plane), blobs, "measure.label's numbering of the slice");
        boolean[] first = new boolean[plane];
        for (int i = 0; i < plane; i++) {
            first[i] = blobs[i] == 1;
        }
        assertArrayEquals(
                Arrays.copyOfRange(monai, 2 * n + plane, 2 * n + 2 * plane),
                InteriorClick.probabilities(first, NX, NY, 1),
                1e-12,
                "the seed's chances in region 1 of the slice");
    }

    @Test
    void aRegionWithoutOutsideIsDrawnUniformlyAndAnEmptyOneNot() {
        boolean[] all = new boolean[12];
        Arrays.fill(all, true);
        double[] p = InteriorClick.probabilities(all, 4, 3, 1);
        for (double v : p) {
            assertEquals(1.0 / 12, v, 1e-15);
        }
        assertEquals(-1, InteriorClick.pick(new boolean[12], 4, 3, 1, new Random(1)));
    }

    @Test
    void clicksAreDrawnByThoseChancesInsideTheRegion() {
        boolean[] region = region();
        int[] d = InteriorClick.chessboard(region, NX, NY, NZ);
        double[] p = InteriorClick.probabilities(region, NX, NY, NZ);
        int most = Arrays.stream(d).max().orElseThrow();
        double[] expected = new double[most + 1], seen = new double[most + 1];
        for (int i = 0; i < d.length; i++) {
            expected[Math.max(0, d[i])] += p[i];
        }
        Random random = new Random(3);
        int draws = 4000;
        for (int t = 0; t < draws; t++) {
            int at = InteriorClick.pick(region, NX, NY, NZ, random);
            assertTrue(region[at], "inside");
            seen[d[at]] += 1.0 / draws;
        }
        assertEquals(0, expected[0], "nothing outside");
        assertArrayEquals(expected, seen, 0.025, "each depth's share of the clicks");
    }

    /** Three ellipsoids and a few stray voxels: several regions in slice {@link #Z}, borders touching the edge. */
    private static boolean[] region() {
        boolean[] r = new boolean[NX * NY * NZ];
        double[][] balls = {{5, 5, 5, 4.5, 4, 5}, {16, 12, 5, 6, 6, 4}, {20, 2, 3, 3, 3, 9}};
        Random random = new Random(7);
        for (int z = 0; z < NZ; z++) {
            for (int y = 0; y < NY; y++) {
                for (int x = 0; x < NX; x++) {
                    boolean in = random.nextDouble() < 0.02;
                    for (double[] b : balls) {
                        double u = (x - b[0]) / b[3], v = (y - b[1]) / b[4], w = (z - b[2]) / b[5];
                        in |= u * u + v * v + w * w <= 1;
                    }
                    r[(z * NY + y) * NX + x] = in;
                }
            }
        }
        return r;
    }
}
