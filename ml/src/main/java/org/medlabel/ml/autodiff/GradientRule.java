package org.medlabel.ml.autodiff;

import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * The vector-Jacobian product of one ONNX operator: given the loss gradients of a node's outputs, emits (with standard
 * ONNX operators) the loss gradients of those of its inputs that {@link Backward#needs need} one.
 */
@FunctionalInterface
interface GradientRule {

    void backward(NodeProto node, Backward b);
}
