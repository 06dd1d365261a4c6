package org.medlabel.ml.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.Attributes.integer;
import static org.medlabel.ml.onnx.Attributes.ints;
import static org.medlabel.ml.onnx.Attributes.real;
import static org.medlabel.ml.onnx.Attributes.string;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import com.google.protobuf.ByteString;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/** Every gradient rule against float64 finite differences, on small shapes (odd sizes, broadcasting, strides). */
class GradientRulesTest {

    /** Our float32 gradients against float64 differences: float32 rounding is ~1e-7 relative, a wrong rule O(1). */
    private static final double TOLERANCE = 2e-5;

    @TempDir
    Path dir;

    private static Arguments of(String name, Function<GraphBuilder, String> body) {
        return Arguments.of(name, body);
    }

    private static String unary(GraphBuilder g, String op, long... shape) {
        return g.node(op, List.of(g.input("x", shape)));
    }

    /** A value that is positive whatever x is: x² + 0.5. */
    private static String positive(GraphBuilder g, long... shape) {
        String x = g.input("x", shape);
        return g.node("Add", List.of(g.node("Mul", List.of(x, x)), g.floats("half", new long[] {}, new float[] {.5f})));
    }

    static Stream<Arguments> elementwise() {
        return Stream.of(
                of("Relu", g -> unary(g, "Relu", 2, 3, 4)),
                of("LeakyRelu", g -> g.node("LeakyRelu", List.of(g.input("x", 2, 3, 4)), real("alpha", 0.2f))),
                of(
                        "LeakyRelu negative slope (the mask from x, not y)",
                        g -> g.node("LeakyRelu", List.of(g.input("x", 2, 3, 4)), real("alpha", -0.3f))),
                of("PRelu scalar slope", g -> g.node("PRelu", List.of(g.input("x", 2, 3, 4), g.input("a", 1)))),
                of(
                        "PRelu channel slope",
                        g -> g.node("PRelu", List.of(g.input("x", 2, 3, 4, 4), g.input("a", 3, 1, 1)))),
                of("Sigmoid", g -> unary(g, "Sigmoid", 2, 3, 4)),
                of("Tanh", g -> unary(g, "Tanh", 2, 3, 4)),
                of("Erf", g -> unary(g, "Erf", 2, 3, 4)),
                of("Exp", g -> unary(g, "Exp", 2, 3, 4)),
                of("Neg", g -> unary(g, "Neg", 2, 3, 4)),
                of("Identity", g -> unary(g, "Identity", 2, 3, 4)),
                of("Log", g -> g.node("Log", List.of(positive(g, 2, 3, 4)))),
                of("Sqrt", g -> g.node("Sqrt", List.of(positive(g, 2, 3, 4)))),
                of("Reciprocal", g -> g.node("Reciprocal", List.of(positive(g, 2, 3, 4)))),
                of("Add broadcast", g -> g.node("Add", List.of(g.input("a", 2, 3, 4), g.input("b", 3, 1)))),
                of("Sub broadcast", g -> g.node("Sub", List.of(g.input("a", 3, 1), g.input("b", 2, 3, 4)))),
                of("Mul broadcast", g -> g.node("Mul", List.of(g.input("a", 2, 3, 4), g.input("b", 4)))),
                of("Div broadcast", g -> g.node("Div", List.of(g.input("a", 2, 3, 4), positiveNamed(g, "b", 1, 3, 1)))),
                of(
                        "Sum of three",
                        g -> g.node("Sum", List.of(g.input("a", 2, 3), g.input("b", 3), g.input("c", 2, 1)))));
    }

    private static String positiveNamed(GraphBuilder g, String name, long... shape) {
        String x = g.input(name, shape);
        return g.node("Add", List.of(g.node("Mul", List.of(x, x)), g.floats("one", new long[] {}, new float[] {1f})));
    }

    static Stream<Arguments> structural() {
        return Stream.of(
                of(
                        "Concat",
                        g -> g.node(
                                "Concat", List.of(g.input("a", 2, 1, 3), g.input("b", 2, 4, 3)), integer("axis", 1))),
                of("Split (one output unused)", g -> {
                    List<String> parts = g.node(
                            "Split", List.of(g.input("x", 2, 5, 3), g.int64s("sizes", 2, 3)), 2, integer("axis", 1));
                    return g.node("Mul", List.of(parts.get(1), parts.get(1)));
                }),
                of(
                        "Slice",
                        g -> g.node(
                                "Slice",
                                List.of(
                                        g.input("x", 3, 7, 4),
                                        g.int64s("starts", 1, -3),
                                        g.int64s("ends", 6, 100),
                                        g.int64s("axes", 1, 2)))),
                of(
                        "Slice reversed",
                        g -> g.node(
                                "Slice",
                                List.of(
                                        g.input("x", 3, 7),
                                        g.int64s("starts", -2),
                                        g.int64s("ends", 1),
                                        g.int64s("axes", 1),
                                        g.int64s("steps", -1)))),
                of("Reshape", g -> g.node("Reshape", List.of(g.input("x", 2, 3, 4), g.int64s("shape", 4, -1)))),
                of("Flatten", g -> g.node("Flatten", List.of(g.input("x", 2, 3, 4)), integer("axis", 2))),
                of("Unsqueeze", g -> g.node("Unsqueeze", List.of(g.input("x", 2, 3), g.int64s("axes", 0)))),
                of("Transpose", g -> g.node("Transpose", List.of(g.input("x", 2, 3, 4)), ints("perm", 1, 2, 0))),
                of("Expand", g -> g.node("Expand", List.of(g.input("x", 3, 1), g.int64s("shape", 2, 3, 4)))),
                of(
                        "ReduceSum keepdims",
                        g -> g.node("ReduceSum", List.of(g.input("x", 2, 3, 4), g.int64s("axes", 0, 2)))),
                of(
                        "ReduceMean dropped axes",
                        g -> g.node(
                                "ReduceMean",
                                List.of(g.input("x", 2, 3, 4), g.int64s("axes", -1)),
                                integer("keepdims", 0))),
                of("ReduceMean all", g -> g.node("ReduceMean", List.of(g.input("x", 2, 3, 4)))),
                of("Softmax axis 1", g -> g.node("Softmax", List.of(g.input("x", 2, 3, 4)), integer("axis", 1))),
                of("Softmax last axis", g -> g.node("Softmax", List.of(g.input("x", 2, 3, 4)))),
                of("LogSoftmax", g -> g.node("LogSoftmax", List.of(g.input("x", 2, 3, 4)), integer("axis", 1))),
                of("MatMul tokens x weight", g -> g.node("MatMul", List.of(g.input("a", 2, 5, 3), g.input("b", 3, 4)))),
                of(
                        "MatMul batched",
                        g -> g.node("MatMul", List.of(g.input("a", 2, 2, 5, 3), g.input("b", 2, 1, 3, 4)))),
                of(
                        "Gemm transposed",
                        g -> g.node(
                                "Gemm",
                                List.of(g.input("a", 3, 2), g.input("b", 4, 3), g.input("c", 4)),
                                integer("transA", 1),
                                integer("transB", 1),
                                real("alpha", 0.5f),
                                real("beta", 2f))),
                of(
                        "Gemm plain",
                        g -> g.node("Gemm", List.of(g.input("a", 2, 3), g.input("b", 3, 4), g.input("c", 2, 4)))),
                of(
                        "MaxPool 2x2x2",
                        g -> g.node(
                                        "MaxPool",
                                        List.of(g.input("x", 1, 2, 4, 5, 4)),
                                        2,
                                        ints("kernel_shape", 2, 2, 2),
                                        ints("strides", 2, 2, 2))
                                .get(0)),
                of(
                        "MaxPool overlapping 2-D",
                        g -> g.node(
                                        "MaxPool",
                                        List.of(g.input("x", 2, 2, 5, 5)),
                                        2,
                                        ints("kernel_shape", 3, 3),
                                        ints("strides", 2, 2),
                                        ints("pads", 1, 1, 1, 1))
                                .get(0)),
                of(
                        "Resize nearest x2",
                        g -> g.node(
                                "Resize",
                                List.of(
                                        g.input("x", 1, 2, 3, 4, 2),
                                        "",
                                        g.floats("scales", new long[] {5}, new float[] {1, 1, 2, 2, 2})),
                                string("mode", "nearest"))),
                of(
                        "Resize linear x2 half-pixel",
                        g -> g.node(
                                "Resize",
                                List.of(
                                        g.input("x", 1, 2, 3, 4, 2),
                                        "",
                                        g.floats("scales", new long[] {5}, new float[] {1, 1, 2, 2, 2})),
                                string("mode", "linear"))),
                of(
                        "Resize linear align-corners to sizes",
                        g -> g.node(
                                "Resize",
                                List.of(g.input("x", 1, 2, 3, 5), "", "", g.int64s("sizes", 1, 2, 7, 4)),
                                string("mode", "linear"),
                                string("coordinate_transformation_mode", "align_corners"))));
    }

    static Stream<Arguments> layers() {
        return Stream.of(
                of(
                        "InstanceNormalization affine",
                        g -> g.node(
                                "InstanceNormalization",
                                List.of(g.input("x", 2, 3, 4, 3, 5), g.input("scale", 3), g.input("bias", 3)),
                                real("epsilon", 1e-5f))),
                of(
                        "InstanceNormalization fixed",
                        g -> g.node(
                                "InstanceNormalization",
                                List.of(
                                        g.input("x", 1, 3, 4, 3, 5),
                                        g.floats("ones", new long[] {3}, new float[] {1, 1, 1}),
                                        g.floats("zeros", new long[] {3}, new float[] {0, 0, 0})))),
                of(
                        "BatchNormalization training",
                        g -> g.node(
                                        "BatchNormalization",
                                        List.of(
                                                g.input("x", 3, 2, 3, 4),
                                                g.input("scale", 2),
                                                g.input("bias", 2),
                                                g.floats("mean", new long[] {2}, new float[] {0, 0}),
                                                g.floats("var", new long[] {2}, new float[] {1, 1})),
                                        3,
                                        integer("training_mode", 1))
                                .get(0)),
                of(
                        "LayerNormalization",
                        g -> g.node(
                                "LayerNormalization",
                                List.of(g.input("x", 2, 5, 6), g.input("scale", 6), g.input("bias", 6)),
                                integer("axis", -1))));
    }

    static Stream<Arguments> convolutions() {
        return Stream.of(
                of("Conv3d k3 s1 p1", g -> conv(g, new long[] {1, 2, 5, 4, 5}, 3, "Conv", 3, 1, 1, 1, true)),
                of("Conv3d k3 s2 p1 odd", g -> conv(g, new long[] {2, 2, 7, 5, 6}, 3, "Conv", 3, 2, 1, 1, true)),
                of("Conv3d k1", g -> conv(g, new long[] {2, 3, 3, 4, 3}, 2, "Conv", 1, 1, 0, 1, true)),
                of("Conv3d k2 s2 p0", g -> conv(g, new long[] {1, 2, 6, 4, 5}, 2, "Conv", 2, 2, 0, 1, false)),
                of("Conv2d k3 s1 dilation 2", g -> conv(g, new long[] {2, 2, 8, 7}, 3, "Conv", 3, 1, 2, 2, false)),
                of("Conv2d k3 s2 dilation 2", g -> conv(g, new long[] {1, 2, 9, 8}, 2, "Conv", 3, 2, 1, 2, false)),
                of(
                        "Conv2d k3x2 s1 uneven pads",
                        g -> g.node(
                                "Conv",
                                List.of(g.input("x", 2, 3, 6, 5), g.input("w", 4, 3, 3, 2)),
                                ints("pads", 0, 1, 2, 0))),
                of("Conv1d k3 s1 p1", g -> conv(g, new long[] {2, 3, 9}, 4, "Conv", 3, 1, 1, 1, true)),
                of("ConvTranspose3d k3 s2 p1 op1", g -> convTranspose(g, new long[] {1, 3, 3, 2, 3}, 2, 3, 2, 1, 1)),
                of("ConvTranspose3d k2 s2", g -> convTranspose(g, new long[] {2, 2, 2, 3, 2}, 3, 2, 2, 0, 0)),
                of("ConvTranspose2d k3 s1 p1", g -> convTranspose(g, new long[] {2, 2, 4, 5}, 3, 3, 1, 1, 0)));
    }

    /** A Conv (or its input and weight shapes) with cubic kernel k, stride s, symmetric pad p, dilation d. */
    static String conv(GraphBuilder g, long[] xShape, long cout, String op, int k, int s, int p, int d, boolean bias) {
        int rank = xShape.length - 2;
        long[] w = new long[rank + 2];
        w[0] = cout;
        w[1] = xShape[1];
        java.util.Arrays.fill(w, 2, rank + 2, k);
        List<String> inputs = new java.util.ArrayList<>(List.of(g.input("x", xShape), g.input("w", w)));
        if (bias) {
            inputs.add(g.input("b", cout));
        }
        return g.node(
                op,
                inputs,
                ints("strides", repeat(s, rank)),
                ints("pads", repeat(p, 2 * rank)),
                ints("dilations", repeat(d, rank)));
    }

    static String convTranspose(GraphBuilder g, long[] xShape, long cout, int k, int s, int p, int outputPad) {
        int rank = xShape.length - 2;
        long[] w = new long[rank + 2];
        w[0] = xShape[1];
        w[1] = cout;
        java.util.Arrays.fill(w, 2, rank + 2, k);
        return g.node(
                "ConvTranspose",
                List.of(g.input("x", xShape), g.input("w", w), g.input("b", cout)),
                ints("strides", repeat(s, rank)),
                ints("pads", repeat(p, 2 * rank)),
                ints("output_padding", repeat(outputPad, rank)));
    }

    private static long[] repeat(long v, int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"elementwise", "structural", "layers"})
    void ruleMatchesFiniteDifferences(String name, Function<GraphBuilder, String> body) throws Exception {
        GradientCheck.Result r = new GradientCheck(dir, WeightGradient.AUTO).check(body);
        assertTrue(r.worst() < TOLERANCE, name + ": " + r.errors());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convolutions")
    void convolutionMatchesFiniteDifferencesInEveryWeightGradientForm(String name, Function<GraphBuilder, String> body)
            throws Exception {
        for (WeightGradient form :
                List.of(WeightGradient.DILATED_CONV, WeightGradient.TAP_SLICES, WeightGradient.SHIFTED_WINDOWS)) {
            GradientCheck.Result r = new GradientCheck(dir, form).check(body);
            assertTrue(r.worst() < TOLERANCE, name + " with " + form + ": " + r.errors());
        }
    }

    @Test
    void anOperatorWithoutARuleIsNamed() {
        UnsupportedOperatorException e = assertThrows(
                UnsupportedOperatorException.class,
                () -> new GradientCheck(dir, WeightGradient.AUTO).check(g -> unary(g, "Cos", 2, 3)));
        assertTrue(e.getMessage().contains("operator Cos"), e.getMessage());
    }

    @Test
    void aStepOtherThanOneIsRefusedWithItsReason() {
        UnsupportedOperatorException e = assertThrows(
                UnsupportedOperatorException.class,
                () -> new GradientCheck(dir, WeightGradient.AUTO)
                        .check(g -> g.node(
                                "Slice",
                                List.of(
                                        g.input("x", 8),
                                        g.int64s("starts", 0),
                                        g.int64s("ends", 8),
                                        g.int64s("axes", 0),
                                        g.int64s("steps", 2)))));
        assertTrue(e.getMessage().contains("step 2"), e.getMessage());
    }

    /** Dropout in its training form is random, so no finite differences: its gradient must follow its own mask. */
    @Test
    void dropoutGradientFlowsWhereTheMaskKeptTheValue() throws Exception {
        GraphBuilder g = new GraphBuilder("dropout");
        String x = g.input("x", 4, 50);
        String training = g.initializer(TensorProto.newBuilder()
                .setName("training")
                .setDataType(TensorProto.DataType.BOOL_VALUE)
                .setRawData(ByteString.copyFrom(new byte[] {1}))
                .build());
        List<String> out =
                g.node("Dropout", List.of(x, g.floats("ratio", new long[] {}, new float[] {0.3f}), training), 2);
        float[] r = OrtRun.gaussian(200, 5);
        g.node(
                "ReduceSum",
                List.of(g.node("Mul", List.of(out.get(0), g.floats("r", new long[] {4, 50}, r)))),
                "loss",
                integer("keepdims", 0));
        g.output("loss", new long[0]);
        var model = g.model(18, Map.of());
        GraphBuilder t = GraphBuilder.edit(model.getGraph());
        String grad = Differentiator.gradients(
                        t,
                        ValueShapes.measure(model, Map.of("x", new long[] {4, 50})),
                        "loss",
                        Set.of(x),
                        WeightGradient.AUTO)
                .get(x);
        t.node("Identity", List.of(grad), "dx");
        t.node("Cast", List.of(out.get(1)), "keep", integer("to", 1));
        t.output("dx", 4, 50);
        t.output("keep", 4, 50);
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(t.model(18, Map.of()).toByteArray());
                var input =
                        OnnxTensor.createTensor(env, FloatBuffer.wrap(OrtRun.gaussian(200, 6)), new long[] {4, 50});
                var result = session.run(Map.of("x", input))) {
            float[] dx = new float[200];
            float[] keep = new float[200];
            ((OnnxTensor) result.get("dx").orElseThrow()).getFloatBuffer().get(dx);
            ((OnnxTensor) result.get("keep").orElseThrow()).getFloatBuffer().get(keep);
            int kept = 0;
            for (int i = 0; i < 200; i++) {
                assertEquals(r[i] * keep[i] / 0.7f, dx[i], 1e-5, "element " + i);
                kept += (int) keep[i];
            }
            assertTrue(kept > 100 && kept < 180, "about 70% kept, was " + kept + " of 200");
        }
    }

    @Test
    void everyOperatorTheBuildersEmitHasARule() {
        for (String op : List.of(
                "Conv",
                "ConvTranspose",
                "InstanceNormalization",
                "BatchNormalization",
                "LayerNormalization",
                "PRelu",
                "LeakyRelu",
                "Relu",
                "Dropout",
                "Add",
                "Concat",
                "MaxPool",
                "MatMul",
                "Reshape",
                "Transpose",
                "Softmax",
                "Erf",
                "Mul")) {
            assertTrue(Differentiator.supportedOperators().contains(op), op);
        }
    }
}
