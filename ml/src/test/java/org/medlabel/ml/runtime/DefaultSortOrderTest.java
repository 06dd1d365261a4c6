package org.medlabel.ml.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.train.TrainingGraph;

/** A graph listed last-first computes exactly what it computes listed in order (a training step, bit for bit). */
class DefaultSortOrderTest {

    private static final long[] SHAPE = {2, 1, 16, 16, 16};

    @Test
    void aStepGraphListedLastFirstGivesTheSameOutputsBitForBit() throws Exception {
        ModelProto net = new UNetBuilder()
                .channels(4, 8, 16)
                .strides(2, 2)
                .residualUnits(1)
                .build();
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(net, SHAPE));
        ModelProto listed = DefaultSortOrder.listedForOrt(graph.model());

        List<String> built = graph.model().getGraph().getNodeList().stream()
                .map(NodeProto::getName)
                .toList();
        List<String> reversed = new ArrayList<>(
                listed.getGraph().getNodeList().stream().map(NodeProto::getName).toList());
        Collections.reverse(reversed);
        assertEquals(built, reversed);
        assertTrue(built.stream().anyMatch(n -> n.startsWith("depthtospace")), "the up-sampling's depth-to-space");

        Map<String, float[]> inOrder = run(graph, graph.model());
        Map<String, float[]> lastFirst = run(graph, listed);
        assertEquals(inOrder.keySet(), lastFirst.keySet());
        for (String name : inOrder.keySet()) {
            assertArrayEquals(inOrder.get(name), lastFirst.get(name), name);
        }
    }

    /** One step on a fixed batch: every float output. */
    private static Map<String, float[]> run(TrainingGraph graph, ModelProto model) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> inputs = new ArrayList<>();
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(model.toByteArray(), options)) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                String name = in.getKey();
                TensorInfo info = (TensorInfo) in.getValue().getInfo();
                TensorProto state = graph.initialState().get(name);
                float[] values;
                long[] shape;
                if (state != null) {
                    values = Tensors.floatValues(state);
                    shape = Tensors.dims(state);
                } else if (graph.stateShapes().containsKey(name)) {
                    shape = graph.stateShapes().get(name);
                    values = new float[OrtRun.size(shape)];
                } else if (name.equals(graph.imageInput())) {
                    shape = SHAPE;
                    values = OrtRun.gaussian(OrtRun.size(SHAPE), 3);
                } else if (name.equals(TrainingGraph.LABEL)) {
                    shape = new long[] {SHAPE[0], 1, SHAPE[2], SHAPE[3], SHAPE[4]};
                    values = new float[OrtRun.size(shape)];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (i * 7919 % 13) < 5 ? 1 : 0;
                    }
                } else {
                    shape = new long[0];
                    values = new float[] {name.equals(TrainingGraph.LEARNING_RATE) ? 1e-2f : 1};
                }
                OnnxTensor t = info.type == OnnxJavaType.INT64
                        ? OnnxTensor.createTensor(env, (long) values[0])
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
                inputs.add(t);
                feed.put(name, t);
            }
            try (OrtSession.Result result = session.run(feed)) {
                for (Map.Entry<String, OnnxValue> r : result) {
                    OnnxTensor t = (OnnxTensor) r.getValue();
                    if (t.getInfo().type == OnnxJavaType.FLOAT) {
                        FloatBuffer b = t.getFloatBuffer();
                        float[] a = new float[b.remaining()];
                        b.get(a);
                        out.put(r.getKey(), a);
                    }
                }
            }
        } finally {
            inputs.forEach(OnnxTensor::close);
        }
        return out;
    }
}
