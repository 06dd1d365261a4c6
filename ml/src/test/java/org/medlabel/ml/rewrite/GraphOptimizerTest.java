package org.medlabel.ml.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.OrtRun.count;
import static org.medlabel.ml.onnx.OrtRun.gaussian;
import static org.medlabel.ml.onnx.OrtRun.relativeError;
import static org.medlabel.ml.onnx.OrtRun.size;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.runtime.ExecutionProvider;

/** Every rewrite is exact: the optimised graph gives the original's outputs in ONNX Runtime, on random inputs. */
class GraphOptimizerTest {

    private static final double EXACT = 1e-5;

    static Stream<Arguments> convTransposes() {
        // rank, kernel, stride, pads (begin..., end...), output padding, bias
        return Stream.of(
                Arguments.of(3, 3, 2, new long[] {1, 1, 1, 1, 1, 1}, 1, true), // MONAI UNet up-sampling
                Arguments.of(3, 2, 2, new long[] {0, 0, 0, 0, 0, 0}, 0, true), // BasicUNet / UNETR up-sampling
                Arguments.of(3, 3, 1, new long[] {1, 1, 1, 1, 1, 1}, 0, false), // stride 1: a flipped Conv
                Arguments.of(2, 4, 2, new long[] {1, 1, 1, 1}, 0, true),
                Arguments.of(2, 3, 3, new long[] {0, 0, 0, 0}, 0, false),
                Arguments.of(2, 3, 2, new long[] {1, 1, 0, 0}, 0, true)); // asymmetric pads
    }

    @ParameterizedTest
    @MethodSource("convTransposes")
    void convTransposeBecomesAnExactSubPixelConv(int rank, int k, int s, long[] pads, int outputPad, boolean bias)
            throws Exception {
        int ci = 3, co = 4;
        long[] in = rank == 3 ? new long[] {2, ci, 5, 4, 3} : new long[] {2, ci, 6, 5};
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", -1, ci, -1, -1, -1);
        long[] wDims = new long[2 + rank];
        Arrays.fill(wDims, k);
        wDims[0] = ci;
        wDims[1] = co;
        String w = g.floats("w", wDims, gaussian(size(wDims), 1));
        List<String> inputs = bias ? List.of(x, w, g.floats("b", new long[] {co}, gaussian(co, 2))) : List.of(x, w);
        String y = g.node(
                "ConvTranspose",
                inputs,
                Attributes.repeated("strides", s, rank),
                Attributes.ints("pads", pads),
                Attributes.repeated("output_padding", outputPad, rank));
        g.output(y);
        ModelProto original = fixInputRank(g, rank);

        for (ExecutionProvider provider : ExecutionProvider.values()) {
            GraphOptimizer.Result result = assertExact(original, in, provider);
            assertEquals(1, result.applied().get("ConvTranspose -> sub-pixel Conv"));
            assertEquals(0, count(result.model(), "ConvTranspose"));
            // depth-to-space on the CPU: 3-D by DepthToSpace in-plane and one Transpose for depth, 2-D by one Col2Im;
            // elsewhere a Transpose per axis
            boolean cpu = provider == ExecutionProvider.CPU;
            assertEquals(s > 1 && cpu && rank == 3 ? 1 : 0, count(result.model(), "DepthToSpace"), provider.name());
            assertEquals(s > 1 && cpu && rank == 2 ? 1 : 0, count(result.model(), "Col2Im"), provider.name());
            assertEquals(s > 1 ? (cpu ? rank - 2 : rank) : 0, count(result.model(), "Transpose"), provider.name());
        }
    }

    @Test
    void depthToSpaceOfStridesThatDifferInPlaneIsOneCol2Im() throws Exception {
        GraphOptimizer.Result result = convTranspose3d(new long[] {2, 1, 2}, 2, 1, 2);
        assertEquals(1, count(result.model(), "Col2Im"));
        assertEquals(0, count(result.model(), "DepthToSpace"));
        assertEquals(0, count(result.model(), "Transpose"));
    }

    @Test
    void depthToSpaceWithoutDepthStrideNeedsNoTranspose() throws Exception {
        // DynUNet's anisotropic up-sampling (strides [2, 2, 1] in x-y-z order of a kernel of the same size)
        GraphOptimizer.Result result = convTranspose3d(new long[] {1, 2, 2}, 1, 2, 2);
        assertEquals(1, count(result.model(), "DepthToSpace"));
        assertEquals(0, count(result.model(), "Transpose"));
    }

    /** A 3 → 4 channel ConvTranspose with this kernel and strides, optimised for the CPU and held exact. */
    private static GraphOptimizer.Result convTranspose3d(long[] kernel, long... strides) throws Exception {
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", -1, 3, -1, -1, -1);
        long[] dims = {3, 4, kernel[0], kernel[1], kernel[2]};
        String w = g.floats("w", dims, gaussian(size(dims), 3));
        g.output(g.node("ConvTranspose", List.of(x, w), Attributes.ints("strides", strides)));
        return assertExact(g.model(18, Map.of()), new long[] {1, 3, 3, 5, 4}, ExecutionProvider.CPU);
    }

    @Test
    void twoDimensionalDepthToSpaceKeepsItsTransposesBeforeOpset18() throws Exception {
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", -1, 3, -1, -1);
        String w = g.floats("w", new long[] {3, 4, 2, 2}, gaussian(48, 4));
        g.output(g.node("ConvTranspose", List.of(x, w), Attributes.repeated("strides", 2, 2)));
        GraphOptimizer.Result result =
                assertExact(g.model(17, Map.of()), new long[] {1, 3, 4, 5}, ExecutionProvider.CPU);
        assertEquals(0, count(result.model(), "Col2Im"), "Col2Im is an opset-18 operator");
        assertEquals(2, count(result.model(), "Transpose"));
    }

    @Test
    void convTransposeWhoseOutputIsNoMultipleOfTheStrideIsLeftAlone() throws Exception {
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", -1, 2, -1, -1);
        String w = g.floats("w", new long[] {2, 2, 3, 3}, gaussian(36, 1));
        g.output(g.node(
                "ConvTranspose",
                List.of(x, w),
                Attributes.repeated("strides", 2, 2),
                Attributes.repeated("pads", 1, 4)));
        GraphOptimizer.Result result = assertExact(g.model(18, Map.of()), new long[] {1, 2, 5, 5});
        assertEquals(1, count(result.model(), "ConvTranspose"));
    }

    @Test
    void channelSoftmaxAndLogSoftmaxBecomeReductionsAndOtherAxesStay() throws Exception {
        for (int opset : new int[] {13, 18}) {
            for (String op : List.of("Softmax", "LogSoftmax")) {
                GraphBuilder g = new GraphBuilder("t");
                String x = g.input("x", -1, 3, -1, -1);
                // logits far from zero: a decomposition without the max subtracted would overflow Exp
                String scaled = g.node("Mul", List.of(x, g.floats("scale", new long[] {}, new float[] {60f})));
                String channel = g.node(op, List.of(scaled), Attributes.integer("axis", 1));
                g.output(g.node(op, List.of(channel), Attributes.integer("axis", -1)));
                GraphOptimizer.Result result = assertExact(g.model(opset, Map.of()), new long[] {2, 3, 7, 5});
                assertEquals(1, result.applied().get("(Log)Softmax(axis=1) -> reductions"), op);
                assertEquals(1, count(result.model(), op), op);
            }
        }
    }

    @Test
    void scalarPReluBecomesLeakyReluAndPerChannelPReluStays() throws Exception {
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", -1, 3, -1);
        String scalar = g.node("PRelu", List.of(x, g.floats("a", new long[] {1}, new float[] {0.3f})));
        g.output(g.node("PRelu", List.of(scalar, g.floats("c", new long[] {3, 1}, new float[] {0.1f, -0.2f, 2f}))));
        GraphOptimizer.Result result = assertExact(g.model(18, Map.of()), new long[] {2, 3, 50});
        assertEquals(1, count(result.model(), "PRelu"));
        assertEquals(1, count(result.model(), "LeakyRelu"));
        assertTrue(result.model().getGraph().getInitializerList().stream()
                .noneMatch(t -> t.getName().equals("a")));
    }

    @Test
    void shapeArithmeticAndConstantsAreFolded() throws Exception {
        // y = Reshape(x, Concat(Gather(Shape(x), 0), Constant(-1))) * Identity(Constant(2)): what torch writes for
        // x.view(x.size(0), -1) * 2 with a static shape
        GraphBuilder g = new GraphBuilder("t");
        String x = g.input("x", 2, 3, 4);
        String batch = g.node(
                "Gather", List.of(g.node("Shape", List.of(x)), g.int64s("zero", 0)), Attributes.integer("axis", 0));
        String minusOne = g.node("Constant", List.of(), tensorAttribute(Tensors.int64s("v", -1)));
        String flat = g.node(
                "Reshape", List.of(x, g.node("Concat", List.of(batch, minusOne), Attributes.integer("axis", 0))));
        String two = g.node(
                "Identity",
                List.of(g.node(
                        "Constant", List.of(), tensorAttribute(Tensors.floats("v", new long[] {}, new float[] {2f})))));
        g.output(g.node("Mul", List.of(flat, two)));
        GraphOptimizer.Result result = assertExact(g.model(18, Map.of()), new long[] {2, 3, 4});
        assertEquals(
                List.of("Reshape", "Mul"),
                result.model().getGraph().getNodeList().stream()
                        .map(NodeProto::getOpType)
                        .toList());
        assertEquals(6, result.applied().get("constant folding")); // Shape, Gather, Concat, Identity, 2 Constants
    }

    @Test
    void aLargeRepeatedConstantIsLeftToRunAndASmallOneIsFolded() throws Exception {
        // y = x + Expand(0, [N]) for N at and just above the limit (a MaxPool gradient's zero buffer): folding the
        // larger one would store N floats as an initializer for the session's life
        for (long n : new long[] {ConstantFolding.MAX_REPEATED_ELEMENTS, ConstantFolding.MAX_REPEATED_ELEMENTS + 1}) {
            GraphBuilder g = new GraphBuilder("t");
            String x = g.input("x", n);
            String zero = g.initializer(Tensors.floats("zero", new long[] {}, new float[] {0f}));
            String zeros = g.node("Expand", List.of(zero, g.int64s("n", n)));
            g.output(g.node("Add", List.of(x, zeros)));
            GraphOptimizer.Result result = assertExact(g.model(18, Map.of()), new long[] {n});
            boolean folded = n <= ConstantFolding.MAX_REPEATED_ELEMENTS;
            assertEquals(
                    folded ? List.of("Add") : List.of("Expand", "Add"),
                    result.model().getGraph().getNodeList().stream()
                            .map(NodeProto::getOpType)
                            .toList());
            long stored = result.model().getGraph().getInitializerList().stream()
                    .mapToLong(Tensors::elementCount)
                    .max()
                    .orElse(0);
            assertEquals(folded ? n : 1, stored, "largest initializer");
        }
    }

    @Test
    void builtNetworksOptimiseExactlyIntoTheFastForm() throws Exception {
        ModelProto unet =
                new UNetBuilder().channels(8, 16, 32).strides(2, 2).seed(2).build();
        GraphOptimizer.Result fastUnet = assertExact(unet, new long[] {1, 1, 16, 16, 16});
        assertEquals(2, fastUnet.applied().get("ConvTranspose -> sub-pixel Conv"));
        assertEquals(0, count(fastUnet.model(), "ConvTranspose") + count(fastUnet.model(), "PRelu"));

        ModelProto basic =
                new BasicUNetBuilder().features(4, 4, 8, 8, 16, 4).seed(2).build();
        GraphOptimizer.Result fastBasic = assertExact(basic, new long[] {1, 3, 16, 16, 16});
        assertEquals(4, fastBasic.applied().get("ConvTranspose -> sub-pixel Conv"));
    }

    /** Optimises {@code model}, runs both on one random input, and holds them to {@link #EXACT}. */
    private static GraphOptimizer.Result assertExact(ModelProto model, long[] shape) throws Exception {
        return assertExact(model, shape, ExecutionProvider.CUDA);
    }

    /** Rewritten for {@code provider} (no depth slices), run on the CPU. */
    private static GraphOptimizer.Result assertExact(ModelProto model, long[] shape, ExecutionProvider provider)
            throws Exception {
        GraphOptimizer.Result result = GraphOptimizer.optimize(model, provider, OptionalLong.empty());
        float[] x = gaussian(size(shape), 42);
        OrtRun.Output expected = OrtRun.run(model, x, shape);
        OrtRun.Output actual = OrtRun.run(result.model(), x, shape);
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()));
        double error = relativeError(actual.values(), expected.values());
        assertTrue(error < EXACT, "relative error " + error + " after " + result.applied());
        return result;
    }

    private static ModelProto fixInputRank(GraphBuilder g, int rank) {
        ModelProto m = g.model(18, Map.of());
        if (rank == 3) {
            return m;
        }
        GraphBuilder two = GraphBuilder.edit(m.getGraph().toBuilder()
                .clearInput()
                .addInput(Tensors.floatValue("x", -1, 3, -1, -1))
                .build());
        return two.model(18, Map.of());
    }

    private static org.medlabel.ml.onnx.proto.Onnx.AttributeProto tensorAttribute(TensorProto t) {
        return org.medlabel.ml.onnx.proto.Onnx.AttributeProto.newBuilder()
                .setName("value")
                .setType(org.medlabel.ml.onnx.proto.Onnx.AttributeProto.AttributeType.TENSOR)
                .setT(t)
                .build();
    }
}
