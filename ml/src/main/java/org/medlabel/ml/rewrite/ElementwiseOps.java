package org.medlabel.ml.rewrite;

import java.util.Set;

/**
 * Operators that compute each output element from the elements at the same position only: a rewrite that moves
 * values around (permuted axes, depth slices) can leave them as they are, provided their other inputs move alike.
 */
final class ElementwiseOps {

    /** One tensor input (further inputs, if any, are attributes-like constants: Clip's bounds, Dropout's ratio). */
    static final Set<String> UNARY = Set.of(
            "Relu",
            "LeakyRelu",
            "Sigmoid",
            "Tanh",
            "Elu",
            "Selu",
            "Celu",
            "Exp",
            "Log",
            "Abs",
            "Neg",
            "Sqrt",
            "Erf",
            "Softplus",
            "Softsign",
            "HardSigmoid",
            "HardSwish",
            "Mish",
            "Gelu",
            "Clip",
            "Dropout",
            "Identity",
            "Reciprocal",
            "Cast",
            "ThresholdedRelu");

    /** Several tensor inputs, broadcast against each other. */
    static final Set<String> BROADCAST =
            Set.of("Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Sum", "Mean", "PRelu");

    private ElementwiseOps() {}
}
