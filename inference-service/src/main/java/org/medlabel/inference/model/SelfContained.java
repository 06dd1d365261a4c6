package org.medlabel.inference.model;

import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * An imported ONNX model must carry all its tensors. ONNX's external data names a file (a path relative to the model)
 * that a runtime loading the model from disk would read: a model uploaded to a server must not make it read its files.
 */
final class SelfContained {

    /** GraphProto's {@code sparse_initializer} field. */
    private static final int SPARSE_INITIALIZER = 23;

    private SelfContained() {}

    /** Refuses a model that keeps any tensor (weights, constants, in any subgraph) in an external file. */
    static void require(String model, ModelProto network) {
        check(model, network.getGraph());
    }

    private static void check(String model, GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            check(model, t);
        }
        if (graph.getUnknownFields().hasField(SPARSE_INITIALIZER)) {
            // not in the subset of ONNX MedLabel reads, so not checkable: refused rather than passed on unread
            throw new InvalidModelException(
                    "the ONNX model for '" + model + "' has sparse initializers, which MedLabel does not import");
        }
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasT()) {
                    check(model, a.getT());
                }
                for (TensorProto t : a.getTensorsList()) {
                    check(model, t);
                }
                if (a.hasG()) {
                    check(model, a.getG());
                }
                for (GraphProto g : a.getGraphsList()) {
                    check(model, g);
                }
            }
        }
    }

    private static void check(String model, TensorProto tensor) {
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL || tensor.getExternalDataCount() > 0) {
            String location = tensor.getExternalDataList().stream()
                    .filter(e -> e.getKey().equals("location"))
                    .map(e -> e.getValue())
                    .findFirst()
                    .orElse("?");
            throw new InvalidModelException("the ONNX model for '" + model + "' keeps tensor '" + tensor.getName()
                    + "' in an external file ('" + location + "'); import a self-contained file (onnx.save(model,"
                    + " path, save_as_external_data=False))");
        }
    }
}
