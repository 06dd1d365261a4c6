package org.medlabel.ml.rewrite;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/** Removes Identity nodes (readers take the source instead), then nodes and initializers no output depends on. */
final class DeadCode {

    private DeadCode() {}

    /** Returns the number of nodes removed. */
    static int remove(GraphBuilder g) {
        Set<String> outputs = new HashSet<>();
        g.outputs().stream().map(ValueInfoProto::getName).forEach(outputs::add);
        List<NodeProto> nodes = g.takeNodes();
        Map<String, String> alias = new HashMap<>();
        Deque<NodeProto> live = new ArrayDeque<>();
        for (NodeProto n : nodes) {
            NodeProto renamed = rename(n, alias);
            if (renamed.getOpType().equals("Identity") && !outputs.contains(renamed.getOutput(0))) {
                alias.put(renamed.getOutput(0), renamed.getInput(0));
            } else {
                live.add(renamed);
            }
        }
        Set<String> used = new HashSet<>(outputs);
        Deque<NodeProto> kept = new ArrayDeque<>();
        while (!live.isEmpty()) {
            NodeProto n = live.removeLast();
            if (n.getOutputList().stream().anyMatch(used::contains)) {
                kept.addFirst(n);
                used.addAll(n.getInputList());
            }
        }
        kept.forEach(g::add);
        g.pruneInitializers();
        return nodes.size() - kept.size();
    }

    private static NodeProto rename(NodeProto n, Map<String, String> alias) {
        if (n.getInputList().stream().noneMatch(alias::containsKey)) {
            return n;
        }
        NodeProto.Builder b = n.toBuilder();
        for (int i = 0; i < b.getInputCount(); i++) {
            b.setInput(i, alias.getOrDefault(b.getInput(i), b.getInput(i)));
        }
        return b.build();
    }
}
