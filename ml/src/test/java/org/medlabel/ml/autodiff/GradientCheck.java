package org.medlabel.ml.autodiff;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.testinfra.PythonOracle;

/**
 * Checks the gradient rules of a small graph against central finite differences in float64 ({@code fd_oracle.py}).
 * The graph's float inputs are filled with Gaussian values; its output y is reduced to the scalar Σ y·r for a fixed
 * random r, and the gradient of that scalar with respect to every input is computed both by the
 * {@link Differentiator} (in float32, in ONNX Runtime, after the same optimisation a training graph gets) and by the
 * oracle.
 */
final class GradientCheck {

    /** What a check found: per input, max |ours − fd| / max |fd|. */
    record Result(Map<String, Double> errors) {
        double worst() {
            return errors.values().stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElseThrow();
        }
    }

    private final Path dir;
    private final WeightGradient weightGradient;

    GradientCheck(Path dir, WeightGradient weightGradient) {
        this.dir = dir;
        this.weightGradient = weightGradient;
    }

    /**
     * Builds the graph ({@code body} declares its inputs with {@link GraphBuilder#input} and returns the value to
     * check) and compares the gradients of every float input.
     */
    Result check(Function<GraphBuilder, String> body) throws Exception {
        GraphBuilder g = new GraphBuilder("check");
        String y = body.apply(g);
        List<ValueInfoProto> inputs = new ArrayList<>(g.inputs());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        long seed = 1;
        for (ValueInfoProto in : inputs) {
            long[] shape = in.getType().getTensorType().getShape().getDimList().stream()
                    .mapToLong(d -> d.getDimValue())
                    .toArray();
            shapes.put(in.getName(), shape);
            values.put(in.getName(), OrtRun.gaussian(OrtRun.size(shape), seed++));
        }
        long[] yShape = ValueShapes.measure(withOutput(g, y), shapes).shape(y);
        String weights = g.floats("check.r", yShape, OrtRun.gaussian(OrtRun.size(yShape), 99));
        g.node("ReduceSum", List.of(g.node("Mul", List.of(y, weights))), "loss", Attributes.integer("keepdims", 0));
        g.output("loss", new long[0]);
        ModelProto forward = g.model(18, Map.of());

        GraphBuilder t = GraphBuilder.edit(forward.getGraph());
        ValueShapes measured = ValueShapes.measure(forward, shapes);
        Map<String, String> grads = Differentiator.gradients(t, measured, "loss", shapes.keySet(), weightGradient);
        for (Map.Entry<String, String> e : grads.entrySet()) {
            t.node("Identity", List.of(e.getValue()), "grad." + e.getKey());
            t.output("grad." + e.getKey(), shapes.get(e.getKey()));
        }
        ModelProto training = GraphOptimizer.optimize(t.model(18, Map.of())).model();
        Map<String, float[]> ours = run(training, shapes, values, grads.keySet());

        Path modelFile = dir.resolve("forward.onnx");
        OnnxModelIo.write(forward, modelFile);
        Map<String, Object> spec = new LinkedHashMap<>();
        Map<String, Object> specInputs = new LinkedHashMap<>();
        for (String name : shapes.keySet()) {
            specInputs.put(name, Map.of("shape", shapes.get(name), "grad", true, "type", "float32"));
            write(dir.resolve(name + ".bin"), values.get(name));
        }
        spec.put("inputs", specInputs);
        spec.put("eps", 1e-6);
        new ObjectMapper().writeValue(dir.resolve("inputs.json").toFile(), spec);
        PythonOracle.run("fd_oracle.py", modelFile, dir);

        Map<String, Double> errors = new LinkedHashMap<>();
        for (String name : shapes.keySet()) {
            double[] fd = PythonOracle.readDoubles(dir.resolve(name + ".fd.bin"));
            float[] mine = ours.getOrDefault(name, new float[fd.length]);
            errors.put(name, relative(mine, fd));
        }
        return new Result(errors);
    }

    private static ModelProto withOutput(GraphBuilder g, String y) {
        ModelProto m = g.model(18, Map.of());
        return m.toBuilder()
                .setGraph(m.getGraph().toBuilder()
                        .addOutput(ValueInfoProto.newBuilder().setName(y)))
                .build();
    }

    private static Map<String, float[]> run(
            ModelProto model, Map<String, long[]> shapes, Map<String, float[]> values, Iterable<String> wrt)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, float[]> out = new HashMap<>();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(model.toByteArray(), options)) {
            for (String name : shapes.keySet()) {
                feed.put(name, OnnxTensor.createTensor(env, FloatBuffer.wrap(values.get(name)), shapes.get(name)));
            }
            try (OrtSession.Result result = session.run(feed)) {
                for (String name : wrt) {
                    FloatBuffer b = ((OnnxTensor) result.get("grad." + name).orElseThrow()).getFloatBuffer();
                    float[] v = new float[b.remaining()];
                    b.get(v);
                    out.put(name, v);
                }
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
        return out;
    }

    private static double relative(float[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("gradient has " + actual.length + " values, expected " + expected.length);
        }
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    private static void write(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(file, b.array());
    }
}
