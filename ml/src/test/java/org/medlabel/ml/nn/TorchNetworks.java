package org.medlabel.ml.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.testinfra.PythonOracle;

/** Drives {@code torch_oracle.py}: runs or exports a network we built, in PyTorch. */
public final class TorchNetworks {

    private TorchNetworks() {}

    /** The oracle's description of a UNet as {@code UNetBuilder} was set up. */
    public static Map<String, Object> unet(
            int in, int out, int[] channels, int[] strides, int units, Norm norm, Activation act, long... inputShape) {
        Map<String, Object> c = config("UNet", inputShape);
        c.put("in", in);
        c.put("out", out);
        c.put("channels", channels);
        c.put("strides", strides);
        c.put("residualUnits", units);
        c.put("norm", norm.name());
        c.put("activation", act.kind().name());
        c.put("slope", act.slope());
        return c;
    }

    /** The oracle's description of a BasicUNet with the builder's defaults (affine instance norm, LeakyReLU 0.1). */
    public static Map<String, Object> basicUNet(int[] features, long... inputShape) {
        Map<String, Object> c = config("BasicUNet", inputShape);
        c.put("features", features);
        c.put("norm", Norm.INSTANCE_AFFINE.name());
        c.put("activation", Activation.Kind.LEAKY_RELU.name());
        c.put("slope", 0.1f);
        return c;
    }

    public static Map<String, Object> config(String network, long... inputShape) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("network", network);
        c.put("inputShape", inputShape);
        return c;
    }

    /** MONAI's network class {@code network} built from its own constructor arguments (monai_nets.py). */
    public static Map<String, Object> monai(String network, Map<String, Object> args, long... inputShape) {
        Map<String, Object> c = config(network, inputShape);
        c.put("args", args);
        return c;
    }

    /** PyTorch's output for {@code input} through {@code model}'s weights and {@code config}'s structure. */
    public static float[] run(ModelProto model, Map<String, Object> config, float[] input, Path dir)
            throws IOException, InterruptedException {
        Path modelFile = write(model, config, dir);
        Path in = writeFloats(dir.resolve("input.bin"), input);
        Path out = dir.resolve("output.bin");
        PythonOracle.run("torch_oracle.py", "run", modelFile, dir.resolve("config.json"), in, out);
        return readFloats(out);
    }

    /** Exports the network with PyTorch's exporter into {@code dir} (model.onnx, input.bin, output.bin). */
    public static String export(ModelProto model, Map<String, Object> config, String exporter, Path dir)
            throws IOException, InterruptedException {
        Path modelFile = write(model, config, dir);
        return PythonOracle.run("torch_oracle.py", "export", modelFile, dir.resolve("config.json"), dir, exporter);
    }

    /** PyTorch's float64 loss and parameter gradients (by name) for a batch, as {@code torch_oracle.py grad}. */
    public record Gradients(double loss, Map<String, double[]> byParameter) {}

    public static Gradients gradients(
            ModelProto model, Map<String, Object> config, float[] input, float[] labels, Path dir)
            throws IOException, InterruptedException {
        Path modelFile = write(model, config, dir);
        Path in = writeFloats(dir.resolve("input.bin"), input);
        Path label = writeFloats(dir.resolve("label.bin"), labels);
        PythonOracle.run("torch_oracle.py", "grad", modelFile, dir.resolve("config.json"), in, label, dir);
        double[] all = PythonOracle.readDoubles(dir.resolve("grads.bin"));
        Map<String, double[]> byName = new LinkedHashMap<>();
        for (var entry : new ObjectMapper().readTree(dir.resolve("grads.json").toFile())) {
            int offset = entry.get("offset").asInt();
            int count = entry.get("count").asInt();
            byName.put(entry.get("name").asText(), java.util.Arrays.copyOfRange(all, offset, offset + count));
        }
        return new Gradients(
                Double.parseDouble(Files.readString(dir.resolve("loss.txt")).trim()), byName);
    }

    public static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static Path write(ModelProto model, Map<String, Object> config, Path dir) throws IOException {
        Path modelFile = dir.resolve("built.onnx");
        OnnxModelIo.write(model, modelFile);
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        return modelFile;
    }

    private static Path writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Files.write(file, b.array());
    }
}
