package org.medlabel.ml.rewrite;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorShapeProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;

/**
 * Folds every node whose inputs are all constant into an initializer, and {@code Shape} of values whose shape is
 * fully known (graph inputs, declared value infos) into a constant: the shape arithmetic and {@code Constant} nodes
 * that PyTorch's exporter writes around reshapes. The constant subgraph is evaluated by ONNX Runtime itself, so the
 * folded values are exactly what the unfolded graph would have computed, for every operator. Random operators and
 * nodes with subgraphs are never folded, nor an {@code Expand} or {@code ConstantOfShape} that would store more than
 * {@link #MAX_REPEATED_ELEMENTS}: they only repeat a value, cheap to run, and a training graph's zero buffers (each
 * MaxPool gradient scatters into one of its input's size) would otherwise become initializers that a session holds
 * for its life (deepgrow_2d, 16 slices of 256²: 0.25 GB; deepgrow_3d's 128x192x192: 1.1 GB, built on the heap).
 */
final class ConstantFolding {

    private static final Set<String> RANDOM = Set.of(
            "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli");

    /** The most elements a folded {@code Expand} or {@code ConstantOfShape} may store (256 KB of floats). */
    static final long MAX_REPEATED_ELEMENTS = 1 << 16;

    private ConstantFolding() {}

    /** Folds what it can into {@code g}; returns the number of nodes removed. */
    static int fold(GraphBuilder g, ModelProto model) {
        return fold(g, model, Set.of());
    }

    /**
     * As {@link #fold(GraphBuilder, ModelProto)}, with the initializers in {@code variables} taken as values that
     * change (parameters being trained): nothing computed from them is folded.
     */
    static int fold(GraphBuilder g, ModelProto model, Set<String> variables) {
        Set<String> graphInputs = new HashSet<>();
        g.inputs().forEach(v -> graphInputs.add(v.getName()));
        Map<String, long[]> shapes = staticShapes(g.valueInfos());
        Set<String> constant = new HashSet<>();
        List<NodeProto> nodes = g.takeNodes();
        nodes.stream()
                .flatMap(n -> n.getInputList().stream())
                .filter(name -> !graphInputs.contains(name) && !variables.contains(name) && g.initializer(name) != null)
                .forEach(constant::add);
        List<NodeProto> folded = new ArrayList<>();
        List<NodeProto> kept = new ArrayList<>();
        int shapesFolded = 0;
        for (NodeProto n : nodes) {
            if ((n.getOpType().equals("Shape") && n.getAttributeCount() == 0 && shapes.containsKey(n.getInput(0)))) {
                g.initializer(Tensors.int64s(n.getOutput(0), shapes.get(n.getInput(0))));
                constant.add(n.getOutput(0));
                shapesFolded++;
            } else if (foldable(n, constant) && !repeatsIntoLargeTensor(n, g)) {
                folded.add(n);
                constant.addAll(n.getOutputList());
            } else {
                kept.add(n);
            }
        }
        Set<String> needed = new LinkedHashSet<>();
        kept.forEach(n -> n.getInputList().stream().filter(constant::contains).forEach(needed::add));
        g.outputs().stream()
                .map(ValueInfoProto::getName)
                .filter(constant::contains)
                .forEach(needed::add);
        needed.removeIf(name -> g.initializer(name) != null);
        if (!needed.isEmpty()) {
            evaluate(g, model, folded, needed).forEach(g::initializer);
        }
        kept.forEach(g::add);
        return folded.size() + shapesFolded;
    }

    private static boolean foldable(NodeProto n, Set<String> constant) {
        boolean standardDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
        return standardDomain
                && !RANDOM.contains(n.getOpType())
                && !Attributes.hasSubgraph(n)
                && n.getInputList().stream().allMatch(i -> i.isEmpty() || constant.contains(i));
    }

    /** Whether {@code n} is an Expand or ConstantOfShape whose output, known from its constant shape, is large. */
    private static boolean repeatsIntoLargeTensor(NodeProto n, GraphBuilder g) {
        boolean expand = n.getOpType().equals("Expand");
        if (!expand && !n.getOpType().equals("ConstantOfShape")) {
            return false;
        }
        TensorProto target = n.getInputCount() > (expand ? 1 : 0) ? g.initializer(n.getInput(expand ? 1 : 0)) : null;
        if (target == null) {
            return false; // its shape is itself being folded: unknown here, folded as before
        }
        long[] to = Tensors.longValues(target);
        TensorProto value = expand ? g.initializer(n.getInput(0)) : null;
        long[] from = value == null ? new long[0] : Tensors.dims(value);
        long elements = 1;
        for (int i = 1; i <= Math.max(to.length, from.length); i++) {
            long a = i <= to.length ? to[to.length - i] : 1;
            long b = i <= from.length ? from[from.length - i] : 1;
            elements *= Math.max(a, b);
        }
        return elements > MAX_REPEATED_ELEMENTS;
    }

    /** Runs the folded nodes in ORT (no graph optimisation) and returns the needed values as initializers. */
    private static List<TensorProto> evaluate(
            GraphBuilder g, ModelProto model, List<NodeProto> folded, Set<String> needed) {
        Set<String> read = new HashSet<>();
        folded.forEach(n -> read.addAll(n.getInputList()));
        GraphProto.Builder sub = GraphProto.newBuilder().setName("constants").addAllNode(folded);
        read.stream().map(g::initializer).filter(t -> t != null).forEach(sub::addInitializer);
        needed.forEach(name -> sub.addOutput(ValueInfoProto.newBuilder().setName(name)));
        ModelProto constants =
                model.toBuilder().setGraph(sub).clearMetadataProps().build();
        List<TensorProto> values = new ArrayList<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(constants.toByteArray(), options);
                    OrtSession.Result result = session.run(Map.of())) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    values.add(tensor(e.getKey(), (OnnxTensor) e.getValue()));
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("constant folding failed: " + e.getMessage(), e);
        }
        return values;
    }

    private static TensorProto tensor(String name, OnnxTensor value) {
        TensorInfo info = value.getInfo();
        ByteBuffer data = value.getByteBuffer().order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("constant folding needs a little-endian machine");
        }
        TensorProto.Builder t = TensorProto.newBuilder()
                .setName(name)
                .setDataType(
                        TensorProto.DataType.valueOf(info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""))
                                .getNumber())
                .setRawData(ByteString.copyFrom(data));
        for (long d : info.getShape()) {
            t.addDims(d);
        }
        return t.build();
    }

    /** Shapes of values whose every dimension is a number. */
    private static Map<String, long[]> staticShapes(List<ValueInfoProto> infos) {
        Map<String, long[]> shapes = new HashMap<>();
        for (ValueInfoProto v : infos) {
            if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
                continue;
            }
            List<TensorShapeProto.Dimension> dims =
                    v.getType().getTensorType().getShape().getDimList();
            if (dims.stream().allMatch(TensorShapeProto.Dimension::hasDimValue)) {
                shapes.put(
                        v.getName(),
                        dims.stream()
                                .mapToLong(TensorShapeProto.Dimension::getDimValue)
                                .toArray());
            }
        }
        return shapes;
    }
}
