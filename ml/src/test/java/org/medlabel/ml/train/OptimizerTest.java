package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.Activation;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * The in-graph optimisers do what PyTorch's documentation says, step after step: each update is recomputed here in
 * double precision from the gradients the graph reports and the previous parameters.
 */
class OptimizerTest {

    private static final long[] SHAPE = {1, 1, 8, 8, 8};
    private static final ModelProto NET = new UNetBuilder()
            .channels(4, 8)
            .strides(2)
            .residualUnits(1)
            .norm(Norm.INSTANCE_AFFINE)
            .activation(Activation.leakyRelu(0.1f))
            .build();

    /** Replays {@code steps} steps and checks every parameter against {@code reference} after each. */
    private static void check(Optimizer optimizer, double maxNorm, Reference reference) throws Exception {
        TrainingGraph graph = TrainingGraph.build(
                TrainingGraph.Spec.of(NET, SHAPE).with(optimizer, maxNorm).withGradientOutputs());
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 1);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 2);
        float[] rates = {0.01f, 0.005f, 0.02f};
        try (Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU)) {
            Map<String, double[]> params = doubles(trainer.state(), graph);
            for (int step = 1; step <= rates.length; step++) {
                Trainer.StepResult result = trainer.step(image, labels, rates[step - 1]);
                Map<String, float[]> grads = trainer.lastGradients();
                double norm = Math.sqrt(grads.values().stream()
                        .mapToDouble(g -> {
                            double s = 0;
                            for (float v : g) {
                                s += (double) v * v;
                            }
                            return s;
                        })
                        .sum());
                assertEquals(norm, result.gradNorm(), 1e-4 * norm, "gradient norm");
                double scale = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
                Map<String, float[]> state = floats(trainer.state());
                for (String p : graph.parameters()) {
                    double[] expected = reference.update(p, params.get(p), grads.get(p), scale, rates[step - 1], step);
                    float[] actual = state.get(p);
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(
                                expected[i],
                                actual[i],
                                1e-6 + 1e-5 * Math.abs(expected[i]),
                                p + "[" + i + "] step " + step);
                    }
                    params.put(p, expected);
                }
            }
        }
    }

    /** One parameter's update in double precision; keeps its own optimiser state. */
    interface Reference {
        double[] update(String name, double[] p, float[] g, double clip, double lr, int step);
    }

    @Test
    void adamWithL2WeightDecayAndClipping() throws Exception {
        Map<String, double[][]> moments = new java.util.HashMap<>();
        double b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        check(new Optimizer.Adam(b1, b2, eps, wd, false), 0.5, (name, p, g, clip, lr, t) -> {
            double[][] mv = moments.computeIfAbsent(name, k -> new double[2][p.length]);
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                double grad = g[i] * clip + wd * p[i];
                mv[0][i] = b1 * mv[0][i] + (1 - b1) * grad;
                mv[1][i] = b2 * mv[1][i] + (1 - b2) * grad * grad;
                double denominator = Math.sqrt(mv[1][i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                out[i] = p[i] - lr / (1 - Math.pow(b1, t)) * mv[0][i] / denominator;
            }
            return out;
        });
    }

    @Test
    void adamWDecaysTheParameterItself() throws Exception {
        Map<String, double[][]> moments = new java.util.HashMap<>();
        double wd = 0.1;
        check(Optimizer.Adam.adamW(wd), 0, (name, p, g, clip, lr, t) -> {
            double[][] mv = moments.computeIfAbsent(name, k -> new double[2][p.length]);
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                mv[0][i] = 0.9 * mv[0][i] + 0.1 * g[i];
                mv[1][i] = 0.999 * mv[1][i] + 0.001 * (double) g[i] * g[i];
                double denominator = Math.sqrt(mv[1][i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
                out[i] = p[i] * (1 - lr * wd) - lr / (1 - Math.pow(0.9, t)) * mv[0][i] / denominator;
            }
            return out;
        });
    }

    @Test
    void sgdWithNesterovMomentum() throws Exception {
        Map<String, double[]> buffers = new java.util.HashMap<>();
        double mu = 0.9, wd = 1e-3;
        check(new Optimizer.Sgd(mu, wd, true), 0, (name, p, g, clip, lr, t) -> {
            double[] buf = buffers.computeIfAbsent(name, k -> new double[p.length]);
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                double grad = g[i] + wd * p[i];
                buf[i] = mu * buf[i] + grad;
                out[i] = p[i] - lr * (grad + mu * buf[i]);
            }
            return out;
        });
    }

    @Test
    void plainSgdKeepsNoState() throws Exception {
        TrainingGraph graph =
                TrainingGraph.build(TrainingGraph.Spec.of(NET, SHAPE).with(new Optimizer.Sgd(0, 0, false), 0));
        assertEquals(graph.parameters().size(), graph.stateShapes().size());
        check(new Optimizer.Sgd(0, 0, false), 0, (name, p, g, clip, lr, t) -> {
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                out[i] = p[i] - lr * g[i];
            }
            return out;
        });
    }

    @Test
    void impossibleSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Optimizer.Adam(1.0, 0.999, 1e-8, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Optimizer.Sgd(0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new Optimizer.Sgd(-1, 0, false));
    }

    private static Map<String, double[]> doubles(
            Map<String, org.medlabel.ml.onnx.proto.Onnx.TensorProto> state, TrainingGraph graph) {
        Map<String, double[]> out = new java.util.HashMap<>();
        for (String p : graph.parameters()) {
            float[] v = Tensors.floatValues(state.get(p));
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            out.put(p, d);
        }
        return out;
    }

    private static Map<String, float[]> floats(Map<String, org.medlabel.ml.onnx.proto.Onnx.TensorProto> state) {
        Map<String, float[]> out = new java.util.HashMap<>();
        state.forEach((k, v) -> out.put(k, Tensors.floatValues(v)));
        return out;
    }
}
