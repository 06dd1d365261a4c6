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
 * nodes with subgraphs are never folded.
 */
final class ConstantFolding {

    private static final Set<String> RANDOM = Set.of(
            "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli");

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
            } else if (foldable(n, constant)) {
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
