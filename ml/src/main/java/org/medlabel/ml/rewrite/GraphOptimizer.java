package org.medlabel.ml.rewrite;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.runtime.ExecutionProvider;

/**
 * Exact rewrites that make a model fast in ONNX Runtime, for graphs we build and graphs users export: constant
 * folding, the {@link SpatialAxes} wrapper's Transposes folded into the weights, then ConvTranspose → sub-pixel Conv, channel Softmax → reductions, scalar PRelu → LeakyRelu, then removal
 * of Identity and dead nodes. Outputs agree with the original graph to float rounding (the tests hold each rewrite to
 * a relative error below 1e-5). What ORT does well already (fusing Conv and Add, say) is left to its own optimiser.
 */
public final class GraphOptimizer {

    /** The optimised model and how often each rewrite applied (in order, zero counts included). */
    public record Result(ModelProto model, Map<String, Integer> applied) {}

    private GraphOptimizer() {}

    /** The exact rewrites that hold for any provider and input size (no depth slices). */
    public static Result optimize(ModelProto model) {
        return optimize(model, ExecutionProvider.CUDA, OptionalLong.empty());
    }

    /**
     * The model rewritten for {@code provider}: every rewrite, and for the CPU, when the largest input a pass takes is
     * known, 3-D convolutions as 2-D ones over depth slices within a memory bound (ADR 0010; cuDNN's 3-D
     * convolutions are fast).
     */
    public static Result optimize(ModelProto model, ExecutionProvider provider, OptionalLong inputVoxels) {
        long opset = OnnxModelIo.defaultOpset(model);
        GraphBuilder g = GraphBuilder.edit(model.getGraph());
        Map<String, Integer> applied = new LinkedHashMap<>();
        applied.put("constant folding", ConstantFolding.fold(g, model));
        applied.put("spatial Transposes -> weights", SpatialTransposeFolding.fold(g));
        applied.put(
                "3-D operators -> depth slices",
                provider == ExecutionProvider.CPU ? DepthSlices.rewrite(g, opset, inputVoxels.orElse(0)) : 0);
        List<NodeRewrite> rewrites = List.of(
                new SubPixelConvTranspose(provider == ExecutionProvider.CPU),
                new SoftmaxDecomposition(),
                new PReluToLeakyRelu());
        for (NodeRewrite rewrite : rewrites) {
            int count = 0;
            for (NodeProto node : g.takeNodes()) {
                if (rewrite.rewrite(node, g, opset)) {
                    count++;
                } else {
                    g.add(node);
                }
            }
            applied.put(rewrite.name(), count);
        }
        applied.put("dead nodes", DeadCode.remove(g));
        return new Result(model.toBuilder().setGraph(g.build()).build(), applied);
    }

    /**
     * Only constant folding and dead-node removal: what a graph needs before it is differentiated (shape arithmetic
     * and {@code Constant} nodes become initializers) while its operators, and so its parameters, stay as they are:
     * nothing computed from a parameter ({@link #parameters}) is folded, even where no input is involved (a relative
     * position bias gathered from its table).
     */
    public static ModelProto fold(ModelProto model) {
        OnnxModelIo.defaultOpset(model);
        GraphBuilder g = GraphBuilder.edit(model.getGraph());
        ConstantFolding.fold(g, model, parameters(model));
        DeadCode.remove(g);
        return model.toBuilder().setGraph(g.build()).build();
    }

    /**
     * The initializers a network may learn: float tensors of rank >= 1, except the constants our builders name
     * {@code fixed.*}.
     */
    public static Set<String> parameters(ModelProto model) {
        Set<String> names = new LinkedHashSet<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE
                    && t.getDimsCount() > 0
                    && !t.getName().startsWith("fixed.")) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
