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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.testinfra.PythonOracle;

/**
 * Models written from our .proto subset load in ONNX Runtime and pass Python's {@code onnx.checker}; external data
 * round-trips; fields the subset does not declare survive.
 */
class OnnxModelIoTest {

    private static final int C_IN = ConvFixture.C_IN, C_OUT = ConvFixture.C_OUT, H = ConvFixture.H, W = ConvFixture.W;

    private final ConvFixture conv = new ConvFixture();

    @Test
    void aWrittenConvolutionRunsInOnnxRuntimeAndMatchesAReferenceImplementation(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("conv.onnx");
        OnnxModelIo.write(conv.model(), file);
        float[] input = conv.randoms(C_IN * H * W);

        float[] output = run(file, input);
        float[] expected = conv.reference(input);
        assertArrayEquals(expected, output, 1e-5f);
        assertEquals("ok", PythonOracle.run("onnx_oracle.py", "check", file).trim());
    }

    @Test
    void largeTensorsGoToExternalDataThatOnnxRuntimeAndPythonLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("external.onnx");
        OnnxModelIo.write(conv.model(), file, 64); // the 216-byte weight tensor goes out, the 12-byte bias stays in
        Path data = dir.resolve("external.onnx.data");
        assertTrue(Files.exists(data));
        assertEquals(C_OUT * C_IN * 9 * 4, Files.size(data));

        float[] input = conv.randoms(C_IN * H * W);
        assertArrayEquals(conv.reference(input), run(file, input), 1e-5f);
        assertEquals("ok", PythonOracle.run("onnx_oracle.py", "check", file).trim());

        ModelProto back = OnnxModelIo.read(file);
        TensorProto w = back.getGraph().getInitializer(0);
        assertFalse(w.hasDataLocation(), "a model read is self-contained");
        assertArrayEquals(conv.weights, Tensors.floatValues(w));
        assertEquals(conv.model(), back);
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
        ModelProto model = conv.model();
        OnnxModelIo.write(
                model.toBuilder()
                        .setGraph(model.getGraph().toBuilder().setInitializer(0, outside))
                        .build(),
                escaping);
        OnnxFormatException out = assertThrows(OnnxFormatException.class, () -> OnnxModelIo.read(escaping));
        assertTrue(out.getMessage().contains("outside the model's directory"), out.getMessage());
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
}
