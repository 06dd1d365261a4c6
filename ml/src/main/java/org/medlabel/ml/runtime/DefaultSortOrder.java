package org.medlabel.ml.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * A graph listed so that ONNX Runtime runs each node's later readers soon after it. ORT's default execution order (the
 * only one its C and Java APIs offer) is a depth-first walk back from the graph's outputs, starting at the
 * highest-numbered output node and entering, of each node's inputs, the highest-numbered producer first; a node's
 * number is its place in the model. Listed last-first, the walk starts at the outputs of the earliest nodes: what
 * {@code ValueShapes} needs, whose probe reads every value through an output node listed right after it (listed as
 * built, the walk ran the whole graph before the first probe, and every value was alive at once: 7.4 GB for the
 * deepedit DynUNet at 128³, 1.6 GB listed last-first). Not for training steps: the deepedit step, listed last-first,
 * peaked 1.3 GB higher than as built (bench/RESULTS.md 2026-12-07 late). ORT sorts the nodes itself, so a graph
 * listed out of topological order loads and computes the same values.
 */
public final class DefaultSortOrder {

    private DefaultSortOrder() {}

    /** {@code model} with its nodes listed last-first (for ORT sessions only; ONNX's checker wants them in order). */
    public static ModelProto listedForOrt(ModelProto model) {
        List<NodeProto> nodes = new ArrayList<>(model.getGraph().getNodeList());
        Collections.reverse(nodes);
        return model.toBuilder()
                .setGraph(model.getGraph().toBuilder().clearNode().addAllNode(nodes))
                .build();
    }
}
