package org.medlabel.bench;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.ValueInfoProto;
import org.medlabel.ml.train.TrainingGraph;

/**
 * Writes a training step's graph for {@code bench/training_graph_memory.py}, which tells where its memory goes by
 * analysis: {@code training.onnx} (MedLabel's graph, in its node order) and {@code training-ort.onnx} (the same after
 * ONNX Runtime's basic optimisations, in the topological order ONNX Runtime writes and executes).
 * {@code java -cp bench/target/benchmarks.jar org.medlabel.bench.TrainingGraphMemory NET PATCH DIR} (NET and the
 * batch as in {@link UNetModels#inputShape}).
 */
public final class TrainingGraphMemory {

    private TrainingGraphMemory() {}

    public static void main(String[] args) throws OrtException, IOException {
        if (args.length != 3) {
            System.err.println("usage: TrainingGraphMemory NET(small|spleen|spleen4|deepgrow2d) PATCH DIR");
            System.exit(2);
        }
        long[] shape = UNetModels.inputShape(args[0], Integer.parseInt(args[1]));
        Path dir = Files.createDirectories(Path.of(args[2]));
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(UNetModels.byName(args[0]), shape));
        // the image's declared shape fixed to the batch's, so that shape inference sizes every value
        GraphProto.Builder g = graph.model().getGraph().toBuilder();
        for (ValueInfoProto.Builder in : g.getInputBuilderList()) {
            if (in.getName().equals(graph.imageInput())) {
                in.setType(Tensors.floatValue(in.getName(), shape).getType());
            }
        }
        ModelProto model = graph.model().toBuilder().setGraph(g).build();
        OnnxModelIo.write(model, dir.resolve("training.onnx"));
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            options.setOptimizedModelFilePath(dir.resolve("training-ort.onnx").toString());
            OrtEnvironment.getEnvironment()
                    .createSession(model.toByteArray(), options)
                    .close();
        }
        System.out.println("wrote " + dir + "/training.onnx and training-ort.onnx (" + args[0] + " "
                + Arrays.toString(shape) + ")");
    }
}
