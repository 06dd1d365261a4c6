package org.medlabel.ml.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;

/** {@link ValueShapes#measureByBatch}: the shapes of two small runs, extrapolated, are those of the run at N. */
class ValueShapesTest {

    @Test
    void shapesByBatchAreThoseMeasuredAtTheBatch() throws Exception {
        ModelProto net = new BasicUNetBuilder()
                .spatialDims(2)
                .outChannels(1)
                .features(4, 4, 8, 8, 8, 4)
                .build();
        String input = net.getGraph().getInput(0).getName();
        Map<String, long[]> batch = Map.of(input, new long[] {5, 3, 32, 32});
        ValueShapes measured = ValueShapes.measure(net, batch);
        ValueShapes extrapolated = ValueShapes.measureByBatch(net, batch, Set.of(input));
        for (NodeProto n : net.getGraph().getNodeList()) {
            for (String out : n.getOutputList()) {
                assertArrayEquals(measured.shape(out), extrapolated.shape(out), out);
            }
        }
        assertEquals(measured.computedBytes(), extrapolated.computedBytes());
    }

    @Test
    void aGraphThatFixesItsBatchIsMeasuredAtIt() throws Exception {
        GraphBuilder g = new GraphBuilder("fixed batch");
        String x = g.input("x", 4, 6);
        String flat = g.node("Reshape", List.of(x, g.int64s("shape", new long[] {24})));
        g.output(flat, 24);
        ModelProto model = g.model(17, Map.of());
        ValueShapes shapes = ValueShapes.measureByBatch(model, Map.of("x", new long[] {4, 6}), Set.of("x"));
        assertArrayEquals(new long[] {24}, shapes.shape(flat));
    }
}
