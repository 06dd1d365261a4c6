package org.medlabel.ml.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx;

/** Emits gradient-norm clipping and an {@link Optimizer}'s update of every parameter into a training graph. */
final class OptimizerGraph {

    private final GraphBuilder g;
    private final String lr;
    private final String step;
    private final Map<String, String> shared = new HashMap<>();

    OptimizerGraph(GraphBuilder g, String lr, String step) {
        this.g = g;
        this.lr = lr;
        this.step = step;
    }

    /**
     * The global L2 norm of all gradients, and (when {@code maxNorm} > 0) the gradients scaled by
     * min(1, maxNorm/(norm + 1e-6)) as {@code torch.nn.utils.clip_grad_norm_} does. Replaces the map's values.
     */
    String clip(Map<String, String> gradients, double maxNorm) {
        List<String> squares = new ArrayList<>();
        for (String grad : gradients.values()) {
            squares.add(g.node("ReduceSum", List.of(g.node("Mul", List.of(grad, grad))), keep(0)));
        }
        String norm = g.node("Sqrt", List.of(squares.size() == 1 ? squares.get(0) : g.node("Sum", squares)));
        if (maxNorm > 0) {
            String coefficient = g.node(
                    "Min",
                    List.of(
                            scalar("clip.one", 1),
                            g.node(
                                    "Div",
                                    List.of(
                                            scalar("clip.max_norm", maxNorm),
                                            g.node("Add", List.of(norm, scalar("clip.epsilon", 1e-6)))))));
            gradients.replaceAll((p, grad) -> g.node("Mul", List.of(grad, coefficient)));
        }
        return norm;
    }

    /**
     * Emits the update of parameter {@code p} with gradient {@code grad} and the optimiser's state values
     * {@code state} (in {@link Optimizer#statePrefixes()} order); returns the new parameter then the new states.
     */
    List<String> update(Optimizer optimizer, String p, String grad, List<String> state) {
        if (optimizer instanceof Optimizer.Adam adam) {
            return adam(adam, p, grad, state.get(0), state.get(1));
        }
        return sgd((Optimizer.Sgd) optimizer, p, grad, state.isEmpty() ? null : state.get(0));
    }

    private List<String> adam(Optimizer.Adam a, String p, String grad, String m, String v) {
        if (a.weightDecay() > 0 && !a.decoupled()) {
            grad = add(grad, mul(p, scalar("adam.weight_decay", a.weightDecay())));
        }
        String m1 =
                add(mul(m, scalar("adam.beta1", a.beta1())), mul(grad, scalar("adam.one_minus_beta1", 1 - a.beta1())));
        String v1 = add(
                mul(v, scalar("adam.beta2", a.beta2())),
                mul(mul(grad, grad), scalar("adam.one_minus_beta2", 1 - a.beta2())));
        // PyTorch: p -= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
        String stepSize = once("stepSize", k -> g.node("Div", List.of(lr, biasCorrection("adam.beta1", a.beta1()))));
        String root = once("root", k -> g.node("Sqrt", List.of(biasCorrection("adam.beta2", a.beta2()))));
        String denominator =
                add(g.node("Div", List.of(g.node("Sqrt", List.of(v1)), root)), scalar("adam.epsilon", a.epsilon()));
        String base = p;
        if (a.weightDecay() > 0 && a.decoupled()) {
            String shrink = once(
                    "shrink",
                    k -> g.node(
                            "Sub", List.of(scalar("adam.one", 1), mul(lr, scalar("adamw.decay", a.weightDecay())))));
            base = mul(p, shrink);
        }
        String p1 = g.node("Sub", List.of(base, mul(stepSize, g.node("Div", List.of(m1, denominator)))));
        return List.of(p1, m1, v1);
    }

    /** 1 − β^step. */
    private String biasCorrection(String name, double beta) {
        return g.node("Sub", List.of(scalar("adam.one", 1), g.node("Pow", List.of(scalar(name, beta), step))));
    }

    private List<String> sgd(Optimizer.Sgd s, String p, String grad, String buffer) {
        if (s.weightDecay() > 0) {
            grad = add(grad, mul(p, scalar("sgd.weight_decay", s.weightDecay())));
        }
        List<String> out = new ArrayList<>();
        String direction = grad;
        String buffer1 = null;
        if (buffer != null) {
            buffer1 = add(mul(buffer, scalar("sgd.momentum", s.momentum())), grad);
            direction = s.nesterov() ? add(grad, mul(buffer1, scalar("sgd.momentum", s.momentum()))) : buffer1;
        }
        out.add(g.node("Sub", List.of(p, mul(direction, lr))));
        if (buffer1 != null) {
            out.add(buffer1);
        }
        return out;
    }

    /** The value emitted for {@code key}, emitting it on first use (may nest: not computeIfAbsent). */
    private String once(String key, Function<String, String> emit) {
        String value = shared.get(key);
        if (value == null) {
            value = emit.apply(key);
            shared.put(key, value);
        }
        return value;
    }

    private String add(String a, String b) {
        return g.node("Add", List.of(a, b));
    }

    private String mul(String a, String b) {
        return g.node("Mul", List.of(a, b));
    }

    /** A float scalar constant, one per name and value in the graph. */
    private String scalar(String name, double value) {
        return once(name + "=" + (float) value, k -> g.floats(name, new long[] {}, new float[] {(float) value}));
    }

    private static Onnx.AttributeProto keep(int keep) {
        return Attributes.integer("keepdims", keep);
    }
}
