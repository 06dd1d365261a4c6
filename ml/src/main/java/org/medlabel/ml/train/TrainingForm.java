package org.medlabel.ml.train;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Turns the nodes that behave differently while training into their training form: BatchNormalization normalises by
 * the batch's statistics and outputs updated running statistics, Dropout drops at random and outputs its mask, and
 * MaxPool outputs the indices of its maxima (the gradient rules read the mask and the indices).
 */
final class TrainingForm {

    private TrainingForm() {}

    /** Rewrites {@code g}'s nodes; returns each running statistic (an initializer) and the output that updates it. */
    static Map<String, String> apply(GraphBuilder g) {
        Map<String, String> runningStatistics = new LinkedHashMap<>();
        String training = null;
        for (NodeProto n : g.takeNodes()) {
            switch (n.getOpType()) {
                case "BatchNormalization" -> {
                    String mean = g.fresh(n.getInput(3) + ".updated");
                    String variance = g.fresh(n.getInput(4) + ".updated");
                    runningStatistics.put(n.getInput(3), mean);
                    runningStatistics.put(n.getInput(4), variance);
                    g.add(n.toBuilder()
                            .clearOutput()
                            .addOutput(n.getOutput(0))
                            .addOutput(mean)
                            .addOutput(variance)
                            .clearAttribute()
                            .addAllAttribute(without(n, "training_mode"))
                            .addAttribute(Attributes.integer("training_mode", 1))
                            .build());
                }
                case "Dropout" -> {
                    if (training == null) {
                        training = g.initializer(TensorProto.newBuilder()
                                .setName(g.fresh("dropout.training"))
                                .setDataType(TensorProto.DataType.BOOL_VALUE)
                                .setRawData(ByteString.copyFrom(new byte[] {1}))
                                .build());
                    }
                    List<String> inputs = new ArrayList<>(n.getInputList());
                    if (inputs.size() < 2) {
                        inputs.add(g.floats("dropout.ratio", new long[] {}, new float[] {0.5f}));
                    }
                    g.add(n.toBuilder()
                            .clearInput()
                            .addAllInput(inputs.subList(0, 2))
                            .addInput(training)
                            .clearOutput()
                            .addOutput(n.getOutput(0))
                            .addOutput(g.fresh(n.getOutput(0) + ".mask"))
                            .build());
                }
                case "MaxPool" ->
                    g.add(
                            n.getOutputCount() > 1
                                    ? n
                                    : n.toBuilder()
                                            .addOutput(g.fresh(n.getOutput(0) + ".indices"))
                                            .build());
                default -> g.add(n);
            }
        }
        return runningStatistics;
    }

    private static List<AttributeProto> without(NodeProto n, String name) {
        return n.getAttributeList().stream()
                .filter(a -> !a.getName().equals(name))
                .toList();
    }
}
