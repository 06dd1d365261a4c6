package org.medlabel.ml.autodiff;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;
import org.medlabel.ml.runtime.DefaultSortOrder;
import org.medlabel.ml.runtime.DirectMemory;

/**
 * The shape and element type of every value of a graph at one input shape, measured by running the graph once in ONNX
 * Runtime on zeros with each value's {@code Shape} and an empty slice of it (its element type) made outputs. Gradient
 * rules need static shapes (to undo broadcasting, to size transposed convolutions, to pick the fastest form per layer);
 * measuring them is exact for every operator ORT runs, where our own shape inference would have to re-derive each
 * operator's rules. The values themselves are freed as in any run: made outputs, every one of them was alive at once
 * (the deepedit DynUNet at 128³: 7.4 GB to build its training graph, more than its training step).
 */
public final class ValueShapes {

    /** Prefix of the probe's own names (no graph of ours uses '#'). */
    private static final String PROBE = "medlabel#probe.";

    private final Map<String, long[]> shapes;
    private final Map<String, Boolean> floats;
    private final Map<String, Integer> elementBytes;
    /** Bytes of the values the graph's nodes computed in the measured run (not its inputs or initializers). */
    private final long computedBytes;

    private ValueShapes(
            Map<String, long[]> shapes,
            Map<String, Boolean> floats,
            Map<String, Integer> elementBytes,
            long computedBytes) {
        this.shapes = shapes;
        this.floats = floats;
        this.elementBytes = elementBytes;
        this.computedBytes = computedBytes;
    }

    /**
     * The shapes with the inputs {@code batched} at batch N (their common first axis) from two runs at batch 1 and 2,
     * each axis extrapolated linearly: an eighth of the memory of one run at batch 16, where every value is kept at
     * once. A graph that does not run at batch 1 and 2, or a value whose rank or type differs between the two runs (a
     * squeezed batch axis, say), makes it measure at N.
     */
    public static ValueShapes measureByBatch(ModelProto model, Map<String, long[]> inputShapes, Set<String> batched)
            throws OrtException {
        long batch = inputShapes.get(batched.iterator().next())[0];
        if (batch <= 2 || !batched.stream().allMatch(b -> inputShapes.get(b)[0] == batch)) {
            return measure(model, inputShapes);
        }
        GraphProto.Builder anyBatch = model.getGraph().toBuilder();
        for (ValueInfoProto.Builder in : anyBatch.getInputBuilderList()) {
            var shape = in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            if (batched.contains(in.getName()) && shape.getDimCount() > 0) {
                shape.getDimBuilder(0).setDimParam("batch");
            }
        }
        ModelProto probe = model.toBuilder().setGraph(anyBatch).build();
        ValueShapes one;
        ValueShapes two;
        try {
            one = measure(probe, withBatch(inputShapes, batched, 1));
            two = measure(probe, withBatch(inputShapes, batched, 2));
        } catch (OrtException e) {
            return measure(model, inputShapes); // a graph that fixes its batch somewhere (a Reshape's constant, say)
        }
        Map<String, long[]> shapes = new HashMap<>();
        long computed = 0;
        for (Map.Entry<String, long[]> e : one.shapes.entrySet()) {
            long[] a = e.getValue();
            long[] b = two.shapes.get(e.getKey());
            if (b == null
                    || a.length != b.length
                    || !Objects.equals(one.elementBytes.get(e.getKey()), two.elementBytes.get(e.getKey()))) {
                return measure(model, inputShapes);
            }
            long[] atBatch = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                atBatch[i] = a[i] + (b[i] - a[i]) * (batch - 1);
            }
            shapes.put(e.getKey(), atBatch);
            Integer size = one.elementBytes.get(e.getKey());
            if (size != null) {
                computed += size * Arrays.stream(atBatch).reduce(1, (p, q) -> p * q);
            }
        }
        return new ValueShapes(shapes, one.floats, one.elementBytes, computed);
    }

    /**
     * Options that keep ONNX Runtime from logging a failed probe (a shape the network cannot take fails with an
     * {@link OrtException} carrying the reason, which callers may expect: the memory estimate tries small sizes first),
     * and from keeping memory: without the CPU arena and the memory pattern each value is freed after its last reader
     * (with them the probe of the deepedit DynUNet at 128³ held 4.8 GB for one forward pass).
     */
    private static OrtSession.SessionOptions quiet() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
        options.setCPUArenaAllocator(false);
        options.setMemoryPatternOptimization(false);
        return options;
    }

    private static Map<String, long[]> withBatch(Map<String, long[]> inputShapes, Set<String> batched, long batch) {
        Map<String, long[]> out = new HashMap<>(inputShapes);
        batched.forEach(name -> {
            long[] s = inputShapes.get(name).clone();
            s[0] = batch;
            out.put(name, s);
        });
        return out;
    }

    /** Runs {@code model} once with zero-filled float inputs of the given shapes. */
    public static ValueShapes measure(ModelProto model, Map<String, long[]> inputShapes) throws OrtException {
        GraphProto graph = model.getGraph();
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        // each value's probe listed right after its node, the whole listed last-first: ORT's default sort then runs
        // the probe as soon as the value exists, and the value goes after its last reader
        GraphProto.Builder probe = graph.toBuilder().clearNode();
        Map<String, String> shapeOf = new HashMap<>();
        Map<String, String> typeOf = new HashMap<>();
        String flat = PROBE + "flat";
        String zero = PROBE + "zero";
        probe.addInitializer(Tensors.int64s(flat, -1));
        probe.addInitializer(Tensors.int64s(zero, 0));
        int i = 0;
        for (NodeProto n : graph.getNodeList()) {
            probe.addNode(n);
            for (String v : n.getOutputList()) {
                if (v.isEmpty() || outputs.contains(v)) {
                    continue;
                }
                String shape = PROBE + i + ".shape";
                String flattened = PROBE + i + ".flat";
                String empty = PROBE + i++ + ".type";
                probe.addNode(probeNode("Shape", List.of(v), shape));
                probe.addNode(probeNode("Reshape", List.of(v, flat), flattened));
                probe.addNode(probeNode("Slice", List.of(flattened, zero, zero), empty));
                probe.addOutput(ValueInfoProto.newBuilder().setName(shape));
                probe.addOutput(ValueInfoProto.newBuilder().setName(empty));
                shapeOf.put(shape, v);
                typeOf.put(empty, v);
            }
        }
        Map<String, long[]> shapes = new HashMap<>();
        Map<String, Boolean> floats = new HashMap<>();
        Map<String, Integer> elementBytes = new HashMap<>();
        long computed = 0;
        for (TensorProto t : graph.getInitializerList()) {
            shapes.put(t.getName(), Tensors.dims(t));
            floats.put(t.getName(), t.getDataType() == TensorProto.DataType.FLOAT_VALUE);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> inputs = new ArrayList<>();
        List<ByteBuffer> inputMemory = new ArrayList<>();
        try (OrtSession.SessionOptions options = quiet();
                OrtSession session = env.createSession(
                        DefaultSortOrder.listedForOrt(
                                        model.toBuilder().setGraph(probe).build())
                                .toByteArray(),
                        options)) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                long[] shape = inputShapes.get(in.getKey());
                if (shape == null) {
                    throw new IllegalArgumentException("no shape given for graph input '" + in.getKey() + "'");
                }
                TensorInfo info = (TensorInfo) in.getValue().getInfo();
                ByteBuffer zeros = DirectMemory.allocate(Math.max(1, info.type.size) * Tensors.elementCount(shape));
                inputMemory.add(zeros);
                OnnxTensor t = OnnxTensor.createTensor(env, zeros, shape, info.type);
                inputs.add(t);
                feed.put(in.getKey(), t);
                shapes.put(in.getKey(), shape);
                floats.put(in.getKey(), ((TensorInfo) in.getValue().getInfo()).type == OnnxJavaType.FLOAT);
            }
            try (OrtSession.Result result = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> out : result) {
                    TensorInfo info = (TensorInfo) out.getValue().getInfo();
                    String shapeFor = shapeOf.get(out.getKey());
                    String typeFor = typeOf.get(out.getKey());
                    if (shapeFor != null) {
                        shapes.put(shapeFor, (long[]) out.getValue().getValue());
                    } else if (typeFor != null) {
                        floats.put(typeFor, info.type == OnnxJavaType.FLOAT);
                        elementBytes.put(typeFor, Math.max(1, info.type.size));
                    } else {
                        shapes.put(out.getKey(), info.getShape());
                        floats.put(out.getKey(), info.type == OnnxJavaType.FLOAT);
                        elementBytes.put(out.getKey(), Math.max(1, info.type.size));
                    }
                }
            }
            for (Map.Entry<String, Integer> e : elementBytes.entrySet()) {
                computed += e.getValue() * Arrays.stream(shapes.get(e.getKey())).reduce(1, (p, q) -> p * q);
            }
        } finally {
            inputs.forEach(OnnxTensor::close);
            inputMemory.forEach(DirectMemory::free);
        }
        return new ValueShapes(shapes, floats, elementBytes, computed);
    }

    private static NodeProto probeNode(String op, List<String> inputs, String output) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(output)
                .addAllInput(inputs)
                .addOutput(output)
                .build();
    }

    /**
     * Bytes of every value the graph's nodes computed in the measured run, summed as if all were alive at once: what a
     * training step keeps of its forward pass for the backward one, before ONNX Runtime's planner reuses any buffer.
     */
    public long computedBytes() {
        return computedBytes;
    }

    /** The shape of {@code value}; a copy. */
    public long[] shape(String value) {
        long[] s = shapes.get(value);
        if (s == null) {
            throw new IllegalArgumentException("no shape measured for '" + value + "'");
        }
        return s.clone();
    }

    /** Whether {@code value} is float32, the only type gradients flow through. */
    public boolean isFloat(String value) {
        return floats.getOrDefault(value, false);
    }

    /** Records the shape of a value added after the measurement (gradients have their value's shape). */
    void put(String value, long[] shape) {
        shapes.put(value, shape.clone());
        floats.put(value, true);
    }
}
