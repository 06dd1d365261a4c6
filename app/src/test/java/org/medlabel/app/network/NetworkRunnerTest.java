package org.medlabel.app.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.app.config.Inferer;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;

/**
 * Passes reuse their thread's tensors: a pass must see its own input and padding only, never a previous pass's; a 2-D
 * network gets a one-slice volume as an image.
 */
class NetworkRunnerTest {

    private static final Inferer WHOLE = new Inferer("whole", null, null, null);

    @Test
    void aPassSeesZerosWhereItsVolumeIsPaddedEvenAfterALargerPass() throws Exception {
        try (OrtSession neighbourSum = neighbourSum()) {
            Volume ones = volume(32, 1f);
            Volume before = NetworkRunner.run(neighbourSum, ones, WHOLE);
            assertEquals(27f, before.voxels().get(index(32, 16, 16, 16)), "an inner voxel sums its 27 ones");
            assertEquals(8f, before.voxels().get(index(32, 0, 0, 0)), "a corner sums 8 ones and zero padding");

            // 20³ is padded to 32³ in the same buffers the ones filled
            Volume after = NetworkRunner.run(neighbourSum, volume(20, 0f), WHOLE);
            assertEquals(20 * 20 * 20, after.voxelCount());
            for (float v : after.voxels().floats(0, after.voxelCount())) {
                assertEquals(0f, v, "no value of the earlier pass leaks into the padding");
            }
            // a window the size of the volume is the same pass through the windows' path
            Volume window = NetworkRunner.run(
                    neighbourSum, ones, new Inferer("sliding_window", List.of(32, 32, 32), 0.25, null));
            assertEquals(27f, window.voxels().get(index(32, 16, 16, 16)));
            assertEquals(8f, window.voxels().get(index(32, 31, 31, 31)));
        }
    }

    @Test
    void aTwoDimensionalNetworkTakesOneSliceAsAnImage() throws Exception {
        try (OrtSession neighbourSum = neighbourSum(2)) {
            float[] ones = new float[20 * 24];
            Arrays.fill(ones, 1f);
            Volume slice = new Volume(20, 24, 1, 1, Affine.scaling(1, 1, 3, 0, 0, 7), new VoxelBuffer.Float32(ones));
            Volume out = NetworkRunner.run(neighbourSum, slice, WHOLE);
            assertEquals(List.of(20, 24, 1), List.of(out.nx(), out.ny(), out.nz()));
            assertEquals(slice.affine(), out.affine());
            assertEquals(9f, out.voxels().get(5 * 20 + 7), "an inner pixel sums its 9 ones");
            assertEquals(4f, out.voxels().get(0), "a corner sums 4 ones and zero padding");
            assertEquals(6f, out.voxels().get(23 * 20 + 8), "the last row's pixels see the padding below them");

            Volume slices =
                    new Volume(4, 4, 3, 1, Affine.scaling(1, 1, 1, 0, 0, 0), new VoxelBuffer.Float32(new float[48]));
            IllegalArgumentException many =
                    assertThrows(IllegalArgumentException.class, () -> NetworkRunner.run(neighbourSum, slices, WHOLE));
            assertTrue(many.getMessage().contains("one slice at a time, not 3"), many.getMessage());
        }
    }

    private static int index(int n, int x, int y, int z) {
        return (z * n + y) * n + x;
    }

    private static Volume volume(int n, float value) {
        float[] v = new float[n * n * n];
        Arrays.fill(v, value);
        return new Volume(n, n, n, 1, Affine.scaling(1, 1, 1, 0, 0, 0), new VoxelBuffer.Float32(v));
    }

    private static OrtSession neighbourSum() throws Exception {
        return neighbourSum(3);
    }

    /** A 3x3x3 (or 3x3) convolution of ones, zero-padded: each voxel becomes the sum of its neighbourhood. */
    private static OrtSession neighbourSum(int rank) throws Exception {
        GraphBuilder g = new GraphBuilder("sum");
        long[] dims = new long[2 + rank];
        Arrays.fill(dims, -1);
        dims[0] = 1;
        dims[1] = 1;
        String x = g.input("image", dims);
        long[] weight = new long[2 + rank];
        Arrays.fill(weight, 3);
        weight[0] = 1;
        weight[1] = 1;
        float[] ones = new float[(int) Math.pow(3, rank)];
        Arrays.fill(ones, 1f);
        long[] kernel = new long[rank];
        Arrays.fill(kernel, 3);
        long[] pads = new long[2 * rank];
        Arrays.fill(pads, 1);
        g.output(
                g.node(
                        "Conv",
                        List.of(x, g.floats("w", weight, ones)),
                        Attributes.ints("kernel_shape", kernel),
                        Attributes.ints("pads", pads)),
                dims);
        return OrtEnvironment.getEnvironment()
                .createSession(g.model(18, Map.of()).toByteArray(), new OrtSession.SessionOptions());
    }
}
