package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * What a training step keeps of its forward pass: like PyTorch's in-place activations, the backward pass of
 * norm → LeakyReLU reads the activation's output and the norm's input, never the norm's output, so that value goes
 * as soon as the activation has run (a third of a conv block's kept values; bench/training_graph_memory.py).
 */
class TrainingMemoryTest {

    @Test
    void aNormsOutputIsReadOnlyByItsActivation() throws Exception {
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(
                new BasicUNetBuilder()
                        .spatialDims(2)
                        .outChannels(1)
                        .features(4, 4, 8, 8, 8, 4)
                        .build(),
                new long[] {2, 3, 32, 32}));
        List<NodeProto> nodes = graph.model().getGraph().getNodeList();
        Set<String> normOutputs = new HashSet<>();
        nodes.stream()
                .filter(n -> n.getOpType().equals("InstanceNormalization"))
                .forEach(n -> normOutputs.add(n.getOutput(0)));
        assertEquals(18, normOutputs.size(), "BasicUNet's conv blocks");
        for (NodeProto n : nodes) {
            for (String in : n.getInputList()) {
                if (normOutputs.contains(in)) {
                    assertEquals("LeakyRelu", n.getOpType(), in + " read by " + n.getOpType() + " " + n.getName());
                }
            }
        }
    }
}
