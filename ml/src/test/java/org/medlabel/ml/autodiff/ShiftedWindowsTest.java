package org.medlabel.ml.autodiff;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medlabel.ml.onnx.Attributes.integer;
import static org.medlabel.ml.onnx.Attributes.ints;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * The shifted-windows weight gradient on layers whose padded input passes the chunk budget (64 MiB), so that it is
 * computed in chunks of output rows, against the dilated-convolution form of the same gradient (finite differences
 * are out of reach at this size; {@link GradientRulesTest} holds both forms to them on small layers). The Conv's
 * kernel operand (dy, 5 channels) has fewer channels than its data (x, 7), so its shifts are stacked; the
 * ConvTranspose's (x, 7 channels) has more than its data (dy, 5), so it takes one MatMul per tap; at stride 2 the taps
 * of the odd phase are reordered.
 */
class ShiftedWindowsTest {

    @ParameterizedTest(name = "{0} edge {1}, stride {2}")
    @CsvSource({"Conv, 134, 1", "Conv, 141, 2", "ConvTranspose, 80, 2"})
    void chunkedWindowsMatchTheDilatedConvolution(String op, int edge, int stride) throws Exception {
        long[] xShape = {1, 7, edge, edge - 3, edge - 1};
        float[] x = OrtRun.gaussian(OrtRun.size(xShape), 1);
        float[] forms = null;
        for (WeightGradient form : new WeightGradient[] {WeightGradient.DILATED_CONV, WeightGradient.SHIFTED_WINDOWS}) {
            float[] dw = weightGradient(op, xShape, stride, form, x);
            if (forms == null) {
                forms = dw;
            } else {
                double error = OrtRun.relativeError(dw, forms);
                assertTrue(error < 1e-4, op + " relative error " + error);
            }
        }
    }

    /** dW of ReduceSum(op(x, w)·r) for a fixed random r (so dy = r), in {@code form}. */
    private static float[] weightGradient(String op, long[] xShape, int stride, WeightGradient form, float[] x)
            throws Exception {
        GraphBuilder g = new GraphBuilder("windows");
        String in = g.input("x", xShape);
        long[] wShape = op.equals("Conv") ? new long[] {5, 7, 3, 3, 3} : new long[] {7, 5, 3, 3, 3};
        String w = g.floats("w", wShape, OrtRun.gaussian(OrtRun.size(wShape), 2));
        String y = g.node(op, List.of(in, w), ints("strides", stride, stride, stride), ints("pads", 1, 1, 1, 1, 1, 1));
        ModelProto forward = g.model(18, Map.of());
        ValueShapes shapes = ValueShapes.measure(forward, Map.of("x", xShape));
        long[] yShape = shapes.shape(y);
        String r = g.floats("r", yShape, OrtRun.gaussian(OrtRun.size(yShape), 3));
        g.node("ReduceSum", List.of(g.node("Mul", List.of(y, r))), "loss", integer("keepdims", 0));
        g.output("loss", new long[0]);
        ModelProto model = g.model(18, Map.of());
        GraphBuilder t = GraphBuilder.edit(model.getGraph());
        String grad = Differentiator.gradients(
                        t, ValueShapes.measure(model, Map.of("x", xShape)), "loss", Set.of(w), form)
                .get(w);
        t.node("Identity", List.of(grad), "dw");
        t.output("dw", wShape);
        ModelProto training = t.model(18, Map.of());
        if (form == WeightGradient.SHIFTED_WINDOWS) {
            long matMuls = OrtRun.count(training, "MatMul");
            // a chunk takes one MatMul per window: 9 at least (3x3 outer taps), however the inner shifts are stacked
            assertTrue(matMuls >= 2 * 9, "in chunks: at least 9 MatMuls a chunk, " + matMuls);
        }
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(training.toByteArray());
                var input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), xShape);
                var result = session.run(Map.of("x", input))) {
            float[] dw = new float[OrtRun.size(wShape)];
            ((OnnxTensor) result.get("dw").orElseThrow()).getFloatBuffer().get(dw);
            return dw;
        }
    }
}
