package org.medlabel.ml.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.OperatorSetIdProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/**
 * Builds an ONNX graph node by node, or edits an existing one: network builders emit into a fresh builder, rewrites
 * take the nodes of an {@link #edit edited} graph and emit them again, replaced where they apply. Nodes are kept in
 * emission order, which is topological as long as each node is emitted after its inputs. Every name handed out is
 * unique in the graph.
 */
public final class GraphBuilder {

    /** The IR version that goes with the opsets we emit (IR 8 = ONNX 1.13, opsets up to 18). */
    public static final int IR_VERSION = 8;

    private final GraphProto.Builder graph;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, Integer> suffixes = new HashMap<>();

    public GraphBuilder(String name) {
        this.graph = GraphProto.newBuilder().setName(name);
    }

    /** A builder holding {@code graph}'s nodes and initializers, ready for {@link #takeNodes()} and re-emission. */
    public static GraphBuilder edit(GraphProto graph) {
        GraphBuilder b = new GraphBuilder(graph.getName());
        b.graph.mergeFrom(graph).clearNode().clearInitializer();
        graph.getInputList().forEach(v -> b.names.add(v.getName()));
        graph.getValueInfoList().forEach(v -> b.names.add(v.getName()));
        for (NodeProto n : graph.getNodeList()) {
            b.add(n);
        }
        for (TensorProto t : graph.getInitializerList()) {
            b.initializers.put(t.getName(), t);
            b.names.add(t.getName());
        }
        return b;
    }

    /** Declares a float32 graph input ({@link Tensors#floatValue} says how dimensions below 1 are named). */
    public String input(String name, long... dims) {
        graph.addInput(Tensors.floatValue(claim(name), dims));
        return name;
    }

    /** Declares the existing value {@code value} a float32 graph output; no dimensions given: shape unknown. */
    public void output(String value, long... dims) {
        ValueInfoProto info = Tensors.floatValue(value, dims);
        if (dims.length == 0) {
            info = info.toBuilder()
                    .setType(info.getType().toBuilder()
                            .setTensorType(
                                    info.getType().getTensorType().toBuilder().clearShape()))
                    .build();
        }
        graph.addOutput(info);
    }

    /** Declares a graph output as described (any type and shape). */
    public void output(ValueInfoProto output) {
        graph.addOutput(output);
    }

    /** Forgets the graph's outputs (a training graph declares its own). */
    public void clearOutputs() {
        graph.clearOutput();
    }

    /** Removes an initializer and returns it (a constant that becomes an input). */
    public TensorProto removeInitializer(String name) {
        return initializers.remove(name);
    }

    /** Declares a graph input of any type (possibly under the name of an initializer it replaces). */
    public void input(ValueInfoProto input) {
        names.add(input.getName());
        graph.addInput(input);
    }

    /** A float32 initializer named {@code name} or, when taken, a unique variant of it. */
    public String floats(String name, long[] dims, float[] values) {
        return initializer(Tensors.floats(fresh(name), dims, values));
    }

    /** A 1-D int64 initializer (shapes, axes). */
    public String int64s(String name, long... values) {
        return initializer(Tensors.int64s(fresh(name), values));
    }

    public String initializer(TensorProto tensor) {
        names.add(tensor.getName());
        initializers.put(tensor.getName(), tensor);
        return tensor.getName();
    }

    /** The initializer of that name, or null: a rewrite's test for "this input is a constant". */
    public TensorProto initializer(String name) {
        return initializers.get(name);
    }

    /** A node with one output, named after the op; returns the output. Empty input names mean "omitted". */
    public String node(String op, List<String> inputs, AttributeProto... attributes) {
        return node(op, inputs, 1, attributes).get(0);
    }

    /** A node with {@code outputs} outputs, named after the op. */
    public List<String> node(String op, List<String> inputs, int outputs, AttributeProto... attributes) {
        String base = fresh(op.toLowerCase());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            out.add(i == 0 ? base : fresh(base + "_" + i));
        }
        add(NodeProto.newBuilder()
                .setOpType(op)
                .setName(base)
                .addAllInput(inputs)
                .addAllOutput(out)
                .addAllAttribute(Arrays.asList(attributes))
                .build());
        return out;
    }

    /** A node whose one output takes an existing name: how a rewrite's last node replaces the original's value. */
    public void node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        add(NodeProto.newBuilder()
                .setOpType(op)
                .setName(fresh(op.toLowerCase()))
                .addAllInput(inputs)
                .addOutput(output)
                .addAllAttribute(Arrays.asList(attributes))
                .build());
    }

    /** Appends an existing node as it is. */
    public void add(NodeProto node) {
        nodes.add(node);
        names.add(node.getName());
        names.addAll(node.getOutputList());
    }

    /** The nodes emitted so far, in order (a copy). */
    public List<NodeProto> nodes() {
        return new ArrayList<>(nodes);
    }

    /** Removes and returns all nodes, for a rewrite that emits them again. */
    public List<NodeProto> takeNodes() {
        List<NodeProto> taken = new ArrayList<>(nodes);
        nodes.clear();
        return taken;
    }

    /** Drops initializers no node and no graph output reads (what a rewrite replaced). */
    public void pruneInitializers() {
        Set<String> used = new HashSet<>();
        nodes.forEach(n -> used.addAll(n.getInputList()));
        graph.getOutputList().forEach(o -> used.add(o.getName()));
        initializers.keySet().retainAll(used);
    }

    /** Forgets the declared shapes of intermediate values a rewrite changed. */
    public void dropValueInfo(Collection<String> values) {
        List<ValueInfoProto> kept = graph.getValueInfoList().stream()
                .filter(v -> !values.contains(v.getName()))
                .toList();
        graph.clearValueInfo().addAllValueInfo(kept);
    }

    public GraphProto build() {
        return graph.clone()
                .addAllNode(nodes)
                .addAllInitializer(initializers.values())
                .build();
    }

    /** The graph as a model of the default ONNX domain at {@code opset}, with string metadata. */
    public ModelProto model(int opset, Map<String, String> metadata) {
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("medlabel")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(build());
        metadata.forEach((k, v) ->
                m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** The graph's declared inputs, outputs and intermediate value infos (shapes where known). */
    public List<ValueInfoProto> valueInfos() {
        List<ValueInfoProto> all = new ArrayList<>(graph.getInputList());
        all.addAll(graph.getOutputList());
        all.addAll(graph.getValueInfoList());
        return all;
    }

    public List<ValueInfoProto> outputs() {
        return graph.getOutputList();
    }

    public List<ValueInfoProto> inputs() {
        return graph.getInputList();
    }

    private String claim(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("name '" + name + "' is already used in the graph");
        }
        return name;
    }

    /** The fully known shape of an initializer or a declared input, output or value info; null otherwise. */
    public long[] staticShape(String name) {
        TensorProto t = initializers.get(name);
        if (t != null) {
            return Tensors.dims(t);
        }
        for (ValueInfoProto v : valueInfos()) {
            if (v.getName().equals(name) && v.getType().getTensorType().hasShape()) {
                long[] dims = v.getType().getTensorType().getShape().getDimList().stream()
                        .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : -1)
                        .toArray();
                return Arrays.stream(dims).allMatch(d -> d > 0) ? dims : null;
            }
        }
        return null;
    }

    /** A name not yet used in the graph, {@code base} itself when free; it is taken by this call. */
    public String fresh(String base) {
        String name = base;
        if (names.contains(name)) {
            // continue numbering where the last name of this base stopped: linear, not quadratic, in its uses
            int i = suffixes.getOrDefault(base, 1);
            while (names.contains(base + "_" + i)) {
                i++;
            }
            suffixes.put(base, i + 1);
            name = base + "_" + i;
        }
        names.add(name);
        return name;
    }
}
