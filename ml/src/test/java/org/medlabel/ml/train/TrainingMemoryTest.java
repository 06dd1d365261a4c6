package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/**
 * What a training step keeps of its forward pass: like PyTorch's in-place activations, the backward pass of
 * norm → LeakyReLU reads the activation's output and the norm's input, never the norm's output, so that value goes
 * as soon as the activation has run (a third of a conv block's kept values; bench/training_graph_memory.py). And what
 * it keeps for its life: no initializer that grows with the image (bench/RESULTS.md 2026-12-07).
 */
class TrainingMemoryTest {

    private static TrainingGraph graph;

    @BeforeAll
    static void build() throws Exception {
        graph = TrainingGraph.build(TrainingGraph.Spec.of(
                new BasicUNetBuilder()
                        .spatialDims(2)
                        .outChannels(1)
                        .features(4, 4, 8, 8, 8, 4)
                        .build(),
                new long[] {2, 3, 256, 256}));
    }

    @Test
    void aNormsOutputIsReadOnlyByItsActivation() throws Exception {
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

    @Test
    void noInitializerGrowsWithTheImage() throws Exception {
        // each MaxPool gradient scatters into zeros of its input's size (2 x 4 x 256² at the first level), the loss
        // works on label-sized values (2 x 256²): computed each step, never stored with the graph (constants up to
        // 65,536 elements are folded)
        long largest = graph.model().getGraph().getInitializerList().stream()
                .mapToLong(Tensors::elementCount)
                .max()
                .orElse(0);
        assertTrue(largest <= 65_536, "largest initializer: " + largest + " elements");
    }
}
