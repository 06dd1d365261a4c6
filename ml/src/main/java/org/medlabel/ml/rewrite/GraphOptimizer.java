package org.medlabel.ml.rewrite;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.runtime.ExecutionProvider;

/**
 * Exact rewrites that make a model fast in ONNX Runtime, for graphs we build and graphs users export: constant
 * folding, the {@link SpatialAxes} wrapper's Transposes folded into the weights, then ConvTranspose → sub-pixel Conv, channel Softmax → reductions, scalar PRelu → LeakyRelu, then removal
 * of Identity and dead nodes. Outputs agree with the original graph to float rounding (the tests hold each rewrite to
 * a relative error below 1e-5). What ORT does well already (fusing Conv and Add, say) is left to its own optimiser.
 */
public final class GraphOptimizer {

    private static final List<NodeRewrite> REWRITES =
            List.of(new SubPixelConvTranspose(), new SoftmaxDecomposition(), new PReluToLeakyRelu());

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
        for (NodeRewrite rewrite : REWRITES) {
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
     * and {@code Constant} nodes become initializers) while its operators, and so its parameters, stay as they are.
     */
    public static ModelProto fold(ModelProto model) {
        OnnxModelIo.defaultOpset(model);
        GraphBuilder g = GraphBuilder.edit(model.getGraph());
        ConstantFolding.fold(g, model);
        DeadCode.remove(g);
        return model.toBuilder().setGraph(g.build()).build();
    }
}
