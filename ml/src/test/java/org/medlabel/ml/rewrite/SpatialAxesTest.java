package org.medlabel.ml.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.gaussian;
import static org.medlabel.ml.onnx.OrtRun.relativeError;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * A wrapped network on our [N, C, z, y, x] tensor computes what the bare network computes on the tensor MONAI hands
 * it (the same voxels in its axis order), brought back to our order.
 */
class SpatialAxesTest {

    @ParameterizedTest
    @CsvSource({"ijk, 2, 1, 0", "kij, 0, 2, 1", "kji, 0, 1, 2"})
    void aWrappedNetworkSeesTheVolumeInItsOwnAxisOrder(String axes, int a0, int a1, int a2) throws Exception {
        ModelProto bare = new UNetBuilder()
                .channels(4, 8)
                .strides(2)
                .residualUnits(1)
                .seed(3)
                .build();
        ModelProto wrapped = SpatialAxes.wrap(bare, axes);
        assertEquals(axes, SpatialAxes.of(wrapped).orElseThrow());
        assertSame(wrapped, SpatialAxes.wrap(wrapped, "kij"), "never wrapped twice");
        long[] ours = {1, 1, 8, 12, 16}; // z, y, x
        float[] x = gaussian(8 * 12 * 16, 4);
        int[] perm = {a0, a1, a2};
        long[] theirs = {1, 1, ours[2 + a0], ours[2 + a1], ours[2 + a2]};
        float[] expected = OrtRun.run(bare, permute(x, ours, perm), theirs).values();
        OrtRun.Output y = OrtRun.run(wrapped, x, ours);
        assertArrayEquals(new long[] {1, 2, 8, 12, 16}, y.shape());
        float[] bareInOurOrder = permute(expected, new long[] {1, 2, theirs[2], theirs[3], theirs[4]}, inverse(perm));
        assertTrue(relativeError(y.values(), bareInOurOrder) < 1e-6, "wrapped vs bare " + axes);
    }

    @Test
    void aTwoDimensionalNetworkSwapsRowsAndColumns() throws Exception {
        ModelProto bare = new BasicUNetBuilder()
                .spatialDims(2)
                .inChannels(1)
                .outChannels(1)
                .features(2, 2, 4, 4, 4, 2)
                .build();
        ModelProto wrapped = SpatialAxes.wrap(bare, "ij");
        float[] x = gaussian(32 * 48, 2);
        float[] expected = OrtRun.run(bare, permute2(x, 32, 48), 1, 1, 48, 32).values();
        float[] y = OrtRun.run(wrapped, x, 1, 1, 32, 48).values();
        assertTrue(relativeError(y, permute2(expected, 48, 32)) < 1e-6);
        assertSame(bare, SpatialAxes.wrap(bare, "ijk"), "a 3-D order leaves a 2-D network alone");
        assertThrows(IllegalArgumentException.class, () -> SpatialAxes.wrap(bare, "ii"));
    }

    /** [N, C, s0, s1, s2] to [N, C, s[perm0], s[perm1], s[perm2]]. */
    private static float[] permute(float[] v, long[] dims, int[] perm) {
        int n = (int) dims[0] * (int) dims[1];
        int[] s = {(int) dims[2], (int) dims[3], (int) dims[4]};
        int[] t = {s[perm[0]], s[perm[1]], s[perm[2]]};
        int vol = s[0] * s[1] * s[2];
        float[] out = new float[v.length];
        int[] idx = new int[3];
        for (int c = 0; c < n; c++) {
            for (idx[0] = 0; idx[0] < s[0]; idx[0]++) {
                for (idx[1] = 0; idx[1] < s[1]; idx[1]++) {
                    for (idx[2] = 0; idx[2] < s[2]; idx[2]++) {
                        int from = c * vol + (idx[0] * s[1] + idx[1]) * s[2] + idx[2];
                        int to = c * vol + (idx[perm[0]] * t[1] + idx[perm[1]]) * t[2] + idx[perm[2]];
                        out[to] = v[from];
                    }
                }
            }
        }
        return out;
    }

    private static float[] permute2(float[] v, int rows, int cols) {
        float[] out = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = v[r * cols + c];
            }
        }
        return out;
    }

    private static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int a = 0; a < perm.length; a++) {
            inv[perm[a]] = a;
        }
        return inv;
    }
}
