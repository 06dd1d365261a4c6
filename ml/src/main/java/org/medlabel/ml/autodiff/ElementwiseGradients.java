package org.medlabel.ml.autodiff;

import java.util.List;
import java.util.Map;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/** Rules of elementwise operators: arithmetic with broadcasting, activations, and the pass-through operators. */
final class ElementwiseGradients {

    private ElementwiseGradients() {}

    static void register(Map<String, GradientRule> rules) {
        rules.put("Add", (n, b) -> {
            String dy = b.gradient(n.getOutput(0));
            b.add(n.getInput(0), b.unbroadcast(dy, n.getInput(0)));
            b.add(n.getInput(1), b.unbroadcast(dy, n.getInput(1)));
        });
        rules.put("Sub", (n, b) -> {
            String dy = b.gradient(n.getOutput(0));
            b.add(n.getInput(0), b.unbroadcast(dy, n.getInput(0)));
            if (b.needs(n.getInput(1))) {
                b.add(n.getInput(1), b.unbroadcast(b.like(dy, "Neg", List.of(dy)), n.getInput(1)));
            }
        });
        rules.put("Mul", (n, b) -> {
            String dy = b.gradient(n.getOutput(0));
            if (b.needs(n.getInput(0))) {
                b.add(n.getInput(0), b.unbroadcast(b.mul(dy, n.getInput(1)), n.getInput(0)));
            }
            if (b.needs(n.getInput(1))) {
                b.add(n.getInput(1), b.unbroadcast(b.mul(dy, n.getInput(0)), n.getInput(1)));
            }
        });
        rules.put("Div", (n, b) -> {
            // y = a / b: da = dy / b, db = -dy·y / b
            String dy = b.gradient(n.getOutput(0));
            String divisor = n.getInput(1);
            String da = b.binary("Div", dy, divisor);
            b.add(n.getInput(0), b.unbroadcast(da, n.getInput(0)));
            if (b.needs(divisor)) {
                String db = b.like(da, "Neg", List.of(b.mul(da, n.getOutput(0))));
                b.add(divisor, b.unbroadcast(db, divisor));
            }
        });
        rules.put("Neg", (n, b) -> b.add(n.getInput(0), b.like(n.getInput(0), "Neg", List.of(dy(n, b)))));
        rules.put("Identity", (n, b) -> b.add(n.getInput(0), dy(n, b)));
        rules.put("Cast", ElementwiseGradients::cast);
        rules.put("Dropout", ElementwiseGradients::dropout);
        rules.put("Relu", (n, b) -> b.add(n.getInput(0), slopeTimesDy(n, b, n.getOutput(0), 0f)));
        rules.put("LeakyRelu", (n, b) -> {
            float alpha = Attributes.real(n, "alpha", 0.01f);
            // with a non-negative slope y > 0 exactly where x > 0: reading y lets x go after the forward pass (as
            // PyTorch's in-place activation does), and y is kept anyway by whatever reads it next
            String sign = alpha >= 0 ? n.getOutput(0) : n.getInput(0);
            b.add(n.getInput(0), slopeTimesDy(n, b, sign, alpha));
        });
        rules.put("PRelu", (n, b) -> {
            String x = n.getInput(0);
            String slope = n.getInput(1);
            String dy = dy(n, b);
            b.add(x, wherePositive(n, b, x, b.mul(dy, slope)));
            if (b.needs(slope)) {
                String negative = b.like(x, "Min", List.of(x, b.scalar(0f)));
                b.add(slope, b.unbroadcast(b.mul(dy, negative), slope));
            }
        });
        rules.put("Sigmoid", (n, b) -> {
            String y = n.getOutput(0);
            String oneMinus = b.like(y, "Sub", List.of(b.scalar(1f), y));
            b.add(n.getInput(0), b.mul(dy(n, b), b.mul(y, oneMinus)));
        });
        rules.put("Tanh", (n, b) -> {
            String y = n.getOutput(0);
            String oneMinus = b.like(y, "Sub", List.of(b.scalar(1f), b.mul(y, y)));
            b.add(n.getInput(0), b.mul(dy(n, b), oneMinus));
        });
        rules.put("Erf", (n, b) -> {
            // d erf(x) = 2/√π · exp(-x²)
            String x = n.getInput(0);
            String e = b.like(x, "Exp", List.of(b.like(x, "Neg", List.of(b.mul(x, x)))));
            b.add(x, b.mul(dy(n, b), b.mul(e, b.scalar((float) (2 / Math.sqrt(Math.PI))))));
        });
        rules.put("Exp", (n, b) -> b.add(n.getInput(0), b.mul(dy(n, b), n.getOutput(0))));
        rules.put("Log", (n, b) -> b.add(n.getInput(0), b.binary("Div", dy(n, b), n.getInput(0))));
        rules.put("Sqrt", (n, b) -> {
            String halfOverY = b.binary("Div", b.scalar(0.5f), n.getOutput(0));
            b.add(n.getInput(0), b.mul(dy(n, b), halfOverY));
        });
        rules.put("Reciprocal", (n, b) -> {
            String y = n.getOutput(0);
            b.add(n.getInput(0), b.like(y, "Neg", List.of(b.mul(dy(n, b), b.mul(y, y)))));
        });
    }

    static String dy(NodeProto n, Backward b) {
        return b.gradient(n.getOutput(0));
    }

    /** dy where {@code sign} (the input, or an output of the same sign) is positive, {@code otherwise} elsewhere. */
    /**
     * dy · (1 where {@code sign} > 0, else {@code alpha}), as dy · (mask · (1 − alpha) + alpha) rather than a Where:
     * ORT's CPU Where takes two temporaries the size of its output beyond it (1.1 GiB over its inputs at [1, 32,
     * 128³]); these elementwise nodes take one value at a time, and the deepedit step peaks 0.4 GiB lower
     * (bench/RESULTS.md). The same values: the factor is exactly 1 or alpha.
     */
    private static String slopeTimesDy(NodeProto n, Backward b, String sign, float alpha) {
        String positive = b.node(b.shape(sign), "Greater", List.of(sign, b.scalar(0f)));
        String mask = b.like(
                n.getInput(0), "Cast", List.of(positive), Attributes.integer("to", TensorProto.DataType.FLOAT_VALUE));
        String factor = alpha == 0f
                ? mask
                : b.like(n.getInput(0), "Add", List.of(b.mul(mask, b.scalar(1f - alpha)), b.scalar(alpha)));
        return b.mul(dy(n, b), factor);
    }

    private static String wherePositive(NodeProto n, Backward b, String sign, String otherwise) {
        String positive = b.node(b.shape(sign), "Greater", List.of(sign, b.scalar(0f)));
        return b.like(n.getInput(0), "Where", List.of(positive, dy(n, b), otherwise));
    }

    private static void cast(NodeProto n, Backward b) {
        if (Attributes.integer(n, "to", 0) != TensorProto.DataType.FLOAT_VALUE) {
            throw new UnsupportedOperatorException(
                    "Cast '" + n.getName() + "' to a non-float type lies on the gradient path");
        }
        b.add(n.getInput(0), dy(n, b));
    }

    /**
     * Training-mode Dropout (see TrainingForm) passes the gradient where its mask kept the value, scaled by
     * 1/(1-ratio) like the forward; in inference mode it is the identity.
     */
    private static void dropout(NodeProto n, Backward b) {
        String dy = dy(n, b);
        if (n.getOutputCount() < 2 || n.getOutput(1).isEmpty()) {
            b.add(n.getInput(0), dy);
            return;
        }
        float ratio = 0.5f;
        if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            TensorProto r = b.constant(n.getInput(1));
            if (r == null) {
                throw new UnsupportedOperatorException("Dropout '" + n.getName() + "' needs a constant ratio");
            }
            ratio = Tensors.floatValues(r)[0];
        }
        String keep = b.like(
                n.getInput(0),
                "Cast",
                List.of(n.getOutput(1)),
                Attributes.integer("to", TensorProto.DataType.FLOAT_VALUE));
        b.add(n.getInput(0), b.mul(b.mul(dy, keep), b.scalar(1 / (1 - ratio))));
    }
}
