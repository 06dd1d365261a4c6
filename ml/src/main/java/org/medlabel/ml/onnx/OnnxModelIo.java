package org.medlabel.ml.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;

/**
 * Reads and writes ONNX models, including tensors stored as external data (the form ONNX uses for models over
 * protobuf's 2 GiB limit, and PyTorch's exporter for large weights). A model read is self-contained: external tensors
 * are loaded into {@code raw_data}. A model written keeps tensors of at least {@code externalThreshold} bytes in one
 * data file beside it ({@code <model file>.data}), which ONNX Runtime and Python's {@code onnx} both load. External
 * data must lie inside the model's directory. Fields this build does not know survive a read and a write.
 */
public final class OnnxModelIo {

    private static final int MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

    private OnnxModelIo() {}

    public static ModelProto read(Path file) throws IOException {
        ModelProto model;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(MAX_MESSAGE_BYTES);
            model = ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(file.getFileName() + ": not a valid ONNX model: " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new OnnxFormatException(file.getFileName() + ": the model has no graph");
        }
        Path directory = file.toAbsolutePath().getParent();
        return model.toBuilder()
                .setGraph(loadExternal(model.getGraph(), directory))
                .build();
    }

    /** Writes {@code model}; tensors of {@code externalThreshold} bytes or more go to {@code <file>.data}. */
    public static void write(ModelProto model, Path file, long externalThreshold) throws IOException {
        Path dataFile = file.resolveSibling(file.getFileName() + ".data");
        Files.deleteIfExists(dataFile);
        GraphProto graph = model.getGraph();
        GraphProto.Builder out = graph.toBuilder().clearInitializer();
        long offset = 0;
        try (FileChannel data = externalThreshold < Long.MAX_VALUE
                ? FileChannel.open(dataFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                : null) {
            for (TensorProto t : graph.getInitializerList()) {
                if (data != null && t.hasRawData() && t.getRawData().size() >= externalThreshold) {
                    offset = align(offset);
                    data.position(offset);
                    for (var buffer : t.getRawData().asReadOnlyByteBufferList()) {
                        while (buffer.hasRemaining()) {
                            data.write(buffer);
                        }
                    }
                    long length = t.getRawData().size();
                    out.addInitializer(t.toBuilder()
                            .clearRawData()
                            .clearExternalData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(
                                    entry("location", dataFile.getFileName().toString()))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Long.toString(length))));
                    offset += length;
                } else {
                    out.addInitializer(t);
                }
            }
        }
        if (offset == 0) {
            Files.deleteIfExists(dataFile);
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            model.toBuilder().setGraph(out).build().writeTo(os);
        }
    }

    /** Writes a self-contained model (no external data). */
    public static void write(ModelProto model, Path file) throws IOException {
        write(model, file, Long.MAX_VALUE);
    }

    /** Pages of 4 KiB, so that readers can map each tensor (as ONNX's own writer aligns). */
    private static long align(long offset) {
        return (offset + 4095) & ~4095L;
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static GraphProto loadExternal(GraphProto graph, Path directory) throws IOException {
        boolean any = graph.getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (!any) {
            return graph;
        }
        GraphProto.Builder b = graph.toBuilder().clearInitializer();
        for (TensorProto t : graph.getInitializerList()) {
            b.addInitializer(t.getDataLocation() == TensorProto.DataLocation.EXTERNAL ? loadTensor(t, directory) : t);
        }
        return b.build();
    }

    private static TensorProto loadTensor(TensorProto t, Path directory) throws IOException {
        Map<String, String> info = new HashMap<>();
        for (StringStringEntryProto e : t.getExternalDataList()) {
            info.put(e.getKey(), e.getValue());
        }
        String location = info.get("location");
        if (location == null) {
            throw new OnnxFormatException("tensor '" + t.getName() + "' is external but names no location");
        }
        Path base = directory.normalize();
        Path data = base.resolve(location).normalize();
        if (!data.startsWith(base) || Path.of(location).isAbsolute()) {
            throw new OnnxFormatException("tensor '" + t.getName() + "': external data '" + location
                    + "' lies outside the model's directory");
        }
        if (!Files.isRegularFile(data)) {
            throw new OnnxFormatException(
                    "tensor '" + t.getName() + "': external data file '" + location + "' not found");
        }
        long size = Files.size(data);
        long offset = parse(info.getOrDefault("offset", "0"), t);
        long length = info.containsKey("length") ? parse(info.get("length"), t) : size - offset;
        if (offset < 0 || length < 0 || offset + length > size || length > Integer.MAX_VALUE) {
            throw new OnnxFormatException("tensor '" + t.getName() + "': external data range " + offset + "+" + length
                    + " does not fit '" + location + "' (" + size + " bytes)");
        }
        byte[] bytes = new byte[(int) length];
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            var buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new OnnxFormatException("tensor '" + t.getName() + "': external data truncated");
                }
            }
        }
        return t.toBuilder()
                .clearExternalData()
                .clearDataLocation()
                .setRawData(ByteString.copyFrom(bytes))
                .build();
    }

    private static long parse(String number, TensorProto t) throws OnnxFormatException {
        try {
            return Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            throw new OnnxFormatException("tensor '" + t.getName() + "': bad external data number '" + number + "'");
        }
    }

    /** The version of the default ONNX domain the model imports. */
    public static int defaultOpset(ModelProto model) {
        return (int) model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion())
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model imports no default ONNX opset"));
    }
}
