package org.medlabel.ml.rewrite;

import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/** An exact local rewrite: replaces one node by nodes that compute the same outputs, faster in ONNX Runtime. */
interface NodeRewrite {

    /** A short name for reports, e.g. "PRelu -> LeakyRelu". */
    String name();

    /**
     * Emits the replacement of {@code node} into {@code g} (its last node writing the node's output) and returns
     * true, or emits nothing and returns false when the rewrite does not apply.
     */
    boolean rewrite(NodeProto node, GraphBuilder g, long opset);
}
