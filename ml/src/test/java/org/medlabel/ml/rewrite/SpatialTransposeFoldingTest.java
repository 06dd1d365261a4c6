package org.medlabel.ml.rewrite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.gaussian;
import static org.medlabel.ml.onnx.OrtRun.relativeError;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.nn.UnetrBuilder;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * Folding {@link SpatialAxes}' Transposes into the weights leaves every output as the wrapped network computes it
 * (float rounding: the tests hold it to 1e-5 relative), and removes them wherever the network allows.
 */
class SpatialTransposeFoldingTest {

    @ParameterizedTest
    @ValueSource(strings = {"ijk", "kij", "jki"})
    void aWrappedUNetLosesItsTransposesAndKeepsItsOutput(String axes) throws Exception {
        for (Norm norm : List.of(Norm.BATCH, Norm.INSTANCE)) {
            ModelProto wrapped = SpatialAxes.wrap(
                    new UNetBuilder()
                            .channels(4, 8, 16)
                            .strides(2, 2)
                            .norm(norm)
                            .seed(5)
                            .build(),
                    axes);
            assertFolded(wrapped, 2, 1, 1, 16, 24, 20);
        }
    }

    @Test
    void aWrappedBasicUNetLosesItsTransposesIn3dAnd2d() throws Exception {
        ModelProto threeD = SpatialAxes.wrap(
                new BasicUNetBuilder()
                        .spatialDims(3)
                        .inChannels(3)
                        .outChannels(1)
                        .features(4, 4, 8, 8, 16, 4)
                        .seed(2)
                        .build(),
                "kij");
        assertFolded(threeD, 2, 1, 3, 16, 32, 48);
        ModelProto twoD = SpatialAxes.wrap(
                new BasicUNetBuilder()
                        .spatialDims(2)
                        .inChannels(3)
                        .outChannels(1)
                        .features(4, 4, 8, 8, 16, 4)
                        .seed(2)
                        .build(),
                "ij");
        assertFolded(twoD, 2, 1, 3, 32, 48);
    }

    /** Kernels, strides, dilations, asymmetric pads, pooling and Pad all differ per axis: each must move with it. */
    @Test
    void anisotropicAttributesMoveWithTheirAxes() throws Exception {
        GraphBuilder g = new GraphBuilder("anisotropic");
        String x = g.input("image", -1, 2, -1, -1, -1);
        float[] w = gaussian(3 * 2 * 3 * 1 * 5, 7);
        String conv = g.node(
                "Conv",
                List.of(x, g.floats("w", new long[] {3, 2, 3, 1, 5}, w), g.floats("b", new long[] {3}, gaussian(3, 8))),
                Attributes.ints("kernel_shape", 3, 1, 5),
                Attributes.ints("strides", 1, 2, 1),
                Attributes.ints("dilations", 2, 1, 1),
                Attributes.ints("pads", 2, 0, 1, 0, 1, 3));
        String pooled = g.node(
                "MaxPool",
                List.of(conv),
                Attributes.ints("kernel_shape", 2, 1, 3),
                Attributes.ints("strides", 2, 1, 1));
        String padded = g.node("Pad", List.of(pooled, g.int64s("pads", 0, 0, 1, 0, 2, 0, 0, 0, 3, 1)));
        String scaled = g.node("Mul", List.of(padded, g.floats("scale", new long[] {3, 1, 1, 1}, gaussian(3, 9))));
        g.output(g.node("Relu", List.of(scaled)), -1, 3, -1, -1, -1);
        ModelProto wrapped = SpatialAxes.wrap(g.model(17, Map.of()), "ijk");
        assertFolded(wrapped, 2, 1, 2, 12, 16, 20);
    }

    @Test
    void unetrKeepsItsTransposesBecauseItsTokensHaveAnOrder() throws Exception {
        ModelProto wrapped = SpatialAxes.wrap(
                new UnetrBuilder()
                        .imageSize(32, 32, 32)
                        .hiddenSize(48)
                        .mlpDim(96)
                        .heads(4)
                        .featureSize(4)
                        .seed(1)
                        .build(),
                "ijk");
        assertFolded(wrapped, 0, 1, 1, 32, 32, 32);
    }

    private static void assertFolded(ModelProto wrapped, int removed, long... shape) throws Exception {
        GraphOptimizer.Result optimised = GraphOptimizer.optimize(wrapped);
        assertEquals(removed, optimised.applied().get("spatial Transposes -> weights"));
        float[] x = gaussian(OrtRun.size(shape), 11);
        OrtRun.Output expected = OrtRun.run(wrapped, x, shape);
        OrtRun.Output actual = OrtRun.run(optimised.model(), x, shape);
        assertArrayEquals(expected.shape(), actual.shape());
        double error = relativeError(actual.values(), expected.values());
        assertTrue(error < 1e-5, "relative error " + error);
    }

    @Test
    void transposedWeightsAreOnnxTransposes() {
        float[] v = new float[2 * 3 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        float[] t = Tensors.floatValues(
                Tensors.transposed(Tensors.floats("t", new long[] {2, 3, 4}, v), new int[] {2, 0, 1}, "u"));
        // u[k][i][j] = t[i][j][k]
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(v[(i * 3 + j) * 4 + k], t[(k * 2 + i) * 3 + j]);
                }
            }
        }
    }
}
