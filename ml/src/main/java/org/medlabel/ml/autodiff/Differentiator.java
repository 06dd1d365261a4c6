package org.medlabel.ml.autodiff;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * Reverse-mode automatic differentiation of an ONNX graph into more ONNX nodes. Walks the nodes that lie between the
 * requested values and a scalar loss in reverse order; each node's {@link GradientRule} turns its outputs' gradients
 * into its inputs' gradients, emitted into the same graph. The result is one graph computing forward and backward,
 * which ONNX Runtime runs as any other model.
 */
public final class Differentiator {

    private static final Map<String, GradientRule> RULES = new HashMap<>();

    static {
        ElementwiseGradients.register(RULES);
        ShapeGradients.register(RULES);
        ReductionGradients.register(RULES);
        NormGradients.register(RULES);
        ConvGradients.register(RULES);
    }

    private Differentiator() {}

    /** The operators that have a gradient rule. */
    public static Set<String> supportedOperators() {
        return new TreeSet<>(RULES.keySet());
    }

    /**
     * Emits into {@code g} the gradient of the scalar {@code loss} with respect to each of {@code wrt} (float values of
     * the graph) and returns them by name. A value the loss does not depend on gets no entry.
     *
     * @throws UnsupportedOperatorException when an operator on a path from {@code wrt} to the loss has no rule
     */
    public static Map<String, String> gradients(
            GraphBuilder g, ValueShapes shapes, String loss, Set<String> wrt, WeightGradient weightGradient) {
        if (shapes.shape(loss).length != 0) {
            throw new IllegalArgumentException("the loss '" + loss + "' must be a scalar");
        }
        List<NodeProto> nodes = g.nodes();
        Set<String> needed = between(nodes, shapes, wrt, loss);
        Backward b = new Backward(g, shapes, needed, weightGradient);
        b.add(loss, b.scalar(1f));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            boolean anyOutput = n.getOutputList().stream().anyMatch(o -> b.gradient(o) != null);
            boolean anyInput = n.getInputList().stream().anyMatch(b::needs);
            if (!anyOutput || !anyInput) {
                continue;
            }
            GradientRule rule = RULES.get(n.getOpType());
            if (rule == null || !(n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))) {
                throw new UnsupportedOperatorException("operator " + n.getOpType() + " (node '" + n.getName()
                        + "') has no gradient rule; supported: " + supportedOperators());
            }
            rule.backward(n, b);
        }
        Map<String, String> gradients = new LinkedHashMap<>();
        for (String v : wrt) {
            String grad = b.gradient(v);
            if (grad != null) {
                gradients.put(v, grad);
            }
        }
        return gradients;
    }

    /** Float values that depend on one of {@code wrt} and that the loss depends on. */
    private static Set<String> between(List<NodeProto> nodes, ValueShapes shapes, Set<String> wrt, String loss) {
        Set<String> downstream = new HashSet<>(wrt);
        for (NodeProto n : nodes) {
            if (n.getInputList().stream().anyMatch(downstream::contains)) {
                n.getOutputList().stream().filter(shapes::isFloat).forEach(downstream::add);
            }
        }
        Map<String, NodeProto> producers = new HashMap<>();
        nodes.forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));
        Set<String> upstream = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(loss));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (upstream.add(v) && producers.containsKey(v)) {
                todo.addAll(producers.get(v).getInputList());
            }
        }
        downstream.retainAll(upstream);
        return downstream;
    }
}
