package org.medlabel.ml.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.NodeProto;
import org.medlabel.ml.onnx.proto.Onnx.OperatorSetIdProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.testinfra.PythonOracle;

/**
 * Models written from our .proto subset load in ONNX Runtime and pass Python's {@code onnx.checker}; external data
 * round-trips; fields the subset does not declare survive.
 */
class OnnxModelIoTest {

    private static final int C_IN = 2, C_OUT = 3, H = 6, W = 5;

    private final Random random = new Random(11);
    private final float[] weights = randoms(C_OUT * C_IN * 3 * 3);
    private final float[] bias = randoms(C_OUT);

    @Test
    void aWrittenConvolutionRunsInOnnxRuntimeAndMatchesAReferenceImplementation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("conv.onnx");
        OnnxModelIo.write(convModel(), file);
        float[] input = randoms(C_IN * H * W);

        float[] output = run(file, input);
        float[] expected = referenceConvRelu(input);
        assertArrayEquals(expected, output, 1e-5f);
        assertEquals("ok", PythonOracle.run("onnx_oracle.py", "check", file).trim());
    }

    @Test
    void largeTensorsGoToExternalDataThatOnnxRuntimeAndPythonLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("external.onnx");
        OnnxModelIo.write(convModel(), file, 64); // the 216-byte weight tensor goes out, the 12-byte bias stays in
        Path data = dir.resolve("external.onnx.data");
        assertTrue(Files.exists(data));
        assertEquals(C_OUT * C_IN * 9 * 4, Files.size(data));

        float[] input = randoms(C_IN * H * W);
        assertArrayEquals(referenceConvRelu(input), run(file, input), 1e-5f);
        assertEquals("ok", PythonOracle.run("onnx_oracle.py", "check", file).trim());

        ModelProto back = OnnxModelIo.read(file);
        TensorProto w = back.getGraph().getInitializer(0);
        assertFalse(w.hasDataLocation(), "a model read is self-contained");
        assertArrayEquals(weights, Tensors.floatValues(w));
        assertEquals(convModel(), back);
    }

    @Test
    void keepsWhatTheProtoSubsetDoesNotDeclare(@TempDir Path dir) throws Exception {
        Path original = dir.resolve("with-function.onnx");
        PythonOracle.run("onnx_oracle.py", "make-with-function", original);
        Path rewritten = dir.resolve("rewritten.onnx");
        ModelProto model = OnnxModelIo.read(original);
        assertEquals("onnx_oracle", model.getMetadataProps(0).getValue());
        OnnxModelIo.write(model.toBuilder().setProducerName("medlabel").build(), rewritten);

        JsonNode described = new ObjectMapper().readTree(PythonOracle.run("onnx_oracle.py", "describe", rewritten));
        assertEquals("AddTwice", described.get("functions").get(0).asText(), "the local function survives");
        assertEquals(
                "ok", PythonOracle.run("onnx_oracle.py", "check", rewritten).trim());
    }

    @Test
    void refusesBrokenFilesAndExternalDataOutsideTheModelsDirectory(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
        OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxModelIo.read(garbage));
        assertTrue(e.getMessage().contains("not a valid ONNX model"), e.getMessage());

        Path escaping = dir.resolve("escaping.onnx");
        TensorProto outside = Tensors.floats("w", new long[] {1}, new float[] {1}).toBuilder()
                .clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(
                        StringStringEntryProto.newBuilder().setKey("location").setValue("../secret.bin"))
                .build();
        ModelProto model = convModel();
        OnnxModelIo.write(
                model.toBuilder()
                        .setGraph(model.getGraph().toBuilder().setInitializer(0, outside))
                        .build(),
                escaping);
        OnnxFormatException out = assertThrows(OnnxFormatException.class, () -> OnnxModelIo.read(escaping));
        assertTrue(out.getMessage().contains("outside the model's directory"), out.getMessage());
    }

    /** X[1,2,6,5] -> Conv(3x3, pad 1) -> Relu -> Y[1,3,6,5], opset 17. */
    private ModelProto convModel() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("conv")
                .addInput(Tensors.floatValue("x", -1, C_IN, H, W))
                .addOutput(Tensors.floatValue("y", -1, C_OUT, H, W))
                .addInitializer(Tensors.floats("w", new long[] {C_OUT, C_IN, 3, 3}, weights))
                .addInitializer(Tensors.floats("b", new long[] {C_OUT}, bias))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Conv")
                        .setName("conv")
                        .addInput("x")
                        .addInput("w")
                        .addInput("b")
                        .addOutput("c")
                        .addAttribute(ints("pads", 1, 1, 1, 1))
                        .addAttribute(ints("kernel_shape", 3, 3)))
                .addNode(NodeProto.newBuilder()
                        .setOpType("Relu")
                        .setName("relu")
                        .addInput("c")
                        .addOutput("y"))
                .build();
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("medlabel-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph)
                .build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static float[] run(Path model, float[] input) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, C_IN, H, W});
                OrtSession.Result result = session.run(Map.of("x", x))) {
            FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[y.remaining()];
            y.get(out);
            return out;
        }
    }

    /** Conv2d (cross-correlation, zero padding 1) + bias + ReLU, the plain way. */
    private float[] referenceConvRelu(float[] x) {
        float[] y = new float[C_OUT * H * W];
        for (int o = 0; o < C_OUT; o++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    double s = bias[o];
                    for (int c = 0; c < C_IN; c++) {
                        for (int di = -1; di <= 1; di++) {
                            for (int dj = -1; dj <= 1; dj++) {
                                int ii = i + di, jj = j + dj;
                                if (ii >= 0 && ii < H && jj >= 0 && jj < W) {
                                    s += weights[((o * C_IN + c) * 3 + di + 1) * 3 + dj + 1] * x[(c * H + ii) * W + jj];
                                }
                            }
                        }
                    }
                    y[(o * H + i) * W + j] = (float) Math.max(0, s);
                }
            }
        }
        return y;
    }

    private float[] randoms(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
