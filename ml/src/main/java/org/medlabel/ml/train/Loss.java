package org.medlabel.ml.train;

import static org.medlabel.ml.onnx.Attributes.integer;

import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Segmentation losses as ONNX nodes, with MONAI's semantics for {@code DiceLoss}/{@code DiceCELoss(to_onehot_y=True,
 * softmax=True)} at their defaults: labels are class indices [N, 1, ...] turned one-hot; Dice is computed per sample
 * and class over the spatial axes, background included, as {@code 1 − (2·Σ p·y + 1e-5)/(Σ p + Σ y + 1e-5)}, and
 * averaged over samples and classes; cross-entropy is PyTorch's mean over voxels of −log softmax at the true class.
 * DiceCE is their sum (both weights 1). Optional class weights scale each class's Dice term before the average and
 * weight cross-entropy as PyTorch's {@code weight} does (a weighted mean over voxels). MONAI's options
 * {@code squared_pred} (Σ p² + Σ y² in the denominator) and {@code batch} (the sums run over the batch too, one Dice
 * per class) are {@code squaredPred} and {@code batch}.
 *
 * <p>A network with one output channel (DeepGrow) gets MONAI's {@code sigmoid=True} form instead: labels are 0/1,
 * p = sigmoid(logits) in the Dice term, and cross-entropy is PyTorch's {@code binary_cross_entropy_with_logits} (mean
 * over voxels), computed as max(x, 0) − x·y + log(1 + exp(−|x|)) so that no exponential overflows.
 */
public record Loss(Kind kind, float[] classWeights, boolean squaredPred, boolean batch) {

    /** Dice's smoothing constants, added to the numerator and the denominator (MONAI's smooth_nr, smooth_dr). */
    public static final float SMOOTH = 1e-5f;

    public enum Kind {
        DICE,
        CROSS_ENTROPY,
        DICE_CE
    }

    public Loss {
        classWeights = classWeights == null ? null : classWeights.clone();
    }

    /** MONAI's defaults: {@code squared_pred=False, batch=False}. */
    public Loss(Kind kind, float[] classWeights) {
        this(kind, classWeights, false, false);
    }

    public static Loss diceCe() {
        return new Loss(Kind.DICE_CE, null);
    }

    /**
     * Emits the loss of {@code logits} [N, C, spatial...] against {@code labels} [N, 1, spatial...] (float class
     * indices) and returns the scalar's name.
     */
    String emit(GraphBuilder g, String logits, String labels, int classes, int spatialRank) {
        if (classWeights != null && classWeights.length != classes) {
            throw new IllegalArgumentException(
                    "the loss has " + classWeights.length + " class weights for " + classes + " classes");
        }
        long[] perClass = new long[spatialRank + 2];
        Arrays.fill(perClass, 1);
        perClass[1] = classes;
        float[] indices = new float[classes];
        for (int c = 0; c < classes; c++) {
            indices[c] = c;
        }
        boolean sigmoid = classes == 1;
        if (sigmoid && classWeights != null) {
            throw new IllegalArgumentException("class weights need at least 2 output channels");
        }
        String oneHot = sigmoid
                ? labels
                : g.node(
                        "Cast",
                        List.of(g.node("Equal", List.of(labels, g.floats("loss.classes", perClass, indices)))),
                        integer("to", TensorProto.DataType.FLOAT_VALUE));
        String weights = classWeights == null ? null : g.floats("loss.class_weights", perClass, classWeights);
        String p =
                sigmoid ? g.node("Sigmoid", List.of(logits)) : g.node("Softmax", List.of(logits), integer("axis", 1));
        return switch (kind) {
            case DICE -> dice(g, p, oneHot, weights, spatialRank);
            case CROSS_ENTROPY ->
                sigmoid ? binaryCrossEntropy(g, logits, oneHot) : crossEntropy(g, logits, oneHot, weights);
            case DICE_CE ->
                g.node(
                        "Add",
                        List.of(
                                dice(g, p, oneHot, weights, spatialRank),
                                sigmoid
                                        ? binaryCrossEntropy(g, logits, oneHot)
                                        : crossEntropy(g, logits, oneHot, weights)));
        };
    }

    /** Mean over voxels of max(x, 0) − x·y + log(1 + exp(−|x|)), |x| = relu(x) + relu(−x). */
    private static String binaryCrossEntropy(GraphBuilder g, String logits, String labels) {
        String positive = g.node("Relu", List.of(logits));
        String negative = g.node("Relu", List.of(g.node("Neg", List.of(logits))));
        String abs = g.node("Add", List.of(positive, negative));
        String softplusTail = g.node(
                "Log",
                List.of(g.node(
                        "Add",
                        List.of(
                                g.floats("loss.bce_one", new long[] {}, new float[] {1f}),
                                g.node("Exp", List.of(g.node("Neg", List.of(abs))))))));
        String perVoxel = g.node(
                "Add", List.of(g.node("Sub", List.of(positive, g.node("Mul", List.of(logits, labels)))), softplusTail));
        return g.node("ReduceMean", List.of(perVoxel), integer("keepdims", 0));
    }

    private String dice(GraphBuilder g, String p, String oneHot, String weights, int spatialRank) {
        // the spatial axes 2.., and with batch the samples' axis 0 as well
        long[] reduced = new long[spatialRank + (batch ? 1 : 0)];
        for (int a = 0; a < spatialRank; a++) {
            reduced[a] = 2 + a;
        }
        if (batch) {
            reduced[spatialRank] = 0;
        }
        String axes = g.int64s("loss.dice_axes", reduced);
        String intersection = g.node("ReduceSum", List.of(g.node("Mul", List.of(p, oneHot)), axes));
        String predicted = squaredPred ? g.node("Mul", List.of(p, p)) : p;
        String truth = squaredPred ? g.node("Mul", List.of(oneHot, oneHot)) : oneHot;
        String denominator = g.node(
                "Add",
                List.of(g.node("ReduceSum", List.of(predicted, axes)), g.node("ReduceSum", List.of(truth, axes))));
        String smooth = g.floats("loss.smooth", new long[] {}, new float[] {SMOOTH});
        String two = g.floats("loss.two", new long[] {}, new float[] {2f});
        String ratio = g.node(
                "Div",
                List.of(
                        g.node("Add", List.of(g.node("Mul", List.of(intersection, two)), smooth)),
                        g.node("Add", List.of(denominator, smooth))));
        String perSampleClass = g.node("Sub", List.of(g.floats("loss.one", new long[] {}, new float[] {1f}), ratio));
        if (weights != null) {
            perSampleClass = g.node("Mul", List.of(perSampleClass, weights));
        }
        return g.node("ReduceMean", List.of(perSampleClass), integer("keepdims", 0));
    }

    private static String crossEntropy(GraphBuilder g, String logits, String oneHot, String weights) {
        String logP = g.node("LogSoftmax", List.of(logits), integer("axis", 1));
        String channel = g.int64s("loss.channel_axis", 1);
        String nll =
                g.node("Neg", List.of(g.node("ReduceSum", List.of(g.node("Mul", List.of(logP, oneHot)), channel))));
        if (weights == null) {
            return g.node("ReduceMean", List.of(nll), integer("keepdims", 0));
        }
        String voxelWeights = g.node("ReduceSum", List.of(g.node("Mul", List.of(oneHot, weights)), channel));
        return g.node(
                "Div",
                List.of(
                        g.node("ReduceSum", List.of(g.node("Mul", List.of(nll, voxelWeights))), integer("keepdims", 0)),
                        g.node("ReduceSum", List.of(voxelWeights), integer("keepdims", 0))));
    }
}
