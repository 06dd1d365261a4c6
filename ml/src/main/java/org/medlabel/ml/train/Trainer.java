package org.medlabel.ml.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.GraphProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.StringStringEntryProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.ml.runtime.DirectMemory;
import org.medlabel.ml.runtime.SessionManager;

/**
 * Runs a {@link TrainingGraph} step by step. The state (parameters, optimiser state, running statistics) lives in
 * ONNX Runtime values: each step's {@code .next} outputs are fed to the next step as they are, never copied to Java
 * arrays; the previous step's results are closed once the next step has run. The memory Java holds for it is freed
 * as soon as it is dead, not at a collection ({@link DirectMemory}): the initial state after the first step, the two
 * batch buffers (reused by every step) when the trainer closes. Not thread-safe: one trainer per job.
 */
public final class Trainer implements AutoCloseable {

    /** What one step reports. */
    public record StepResult(long step, float loss, float gradNorm) {}

    private static final String CHECKPOINT_STEP = "medlabel.checkpoint.step";

    private final TrainingGraph graph;
    private final SessionManager sessions;
    private final OrtSession session;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Map<String, OnnxValue> state = new LinkedHashMap<>();
    private final List<OnnxTensor> owned = new ArrayList<>();
    private final List<ByteBuffer> ownedMemory = new ArrayList<>();
    private final long[] imageShape;
    private final long[] labelShape;
    private final ByteBuffer imageMemory;
    private final ByteBuffer labelMemory;
    private OrtSession.Result last;
    private long step;
    private boolean closed;

    private Trainer(TrainingGraph graph, SessionManager.Config config) throws OrtException {
        this.graph = graph;
        this.sessions = new SessionManager(sessionConfig(config));
        this.session = sessions.session("training", graph.model().toByteArray()).session();
        this.imageShape = graph.spec().inputShape();
        this.labelShape = imageShape.clone();
        labelShape[1] = 1;
        this.imageMemory = DirectMemory.allocate(4 * Tensors.elementCount(imageShape));
        this.labelMemory = DirectMemory.allocate(4 * Tensors.elementCount(labelShape));
        setState(graph.initialState(), 0);
    }

    /**
     * The step's session: ORT's memory pattern only without the arena, where it is what reuses memory across steps (one
     * block a step instead of every value mapped and zeroed afresh: deepgrow_3d at 128x192x192 78 → 49 s, 11.7 → 13.1
     * GB); beside the arena it only adds its block (deepgrow_2d at 16 slices +3.5 GB, no faster).
     */
    static SessionManager.Config sessionConfig(SessionManager.Config config) {
        return config.cpuArena() ? config.withoutMemoryPattern() : config;
    }

    /** A trainer at step 0 with the graph's initial state. */
    public static Trainer start(TrainingGraph graph, SessionManager.Config config) throws OrtException {
        return new Trainer(graph, config);
    }

    /**
     * One step on a batch: {@code images} [N, C_in, spatial...] and {@code labels} [N, 1, spatial...] (class indices
     * as floats), row-major, in the shapes the graph was built for.
     */
    public StepResult step(float[] images, float[] labels, float learningRate) throws OrtException {
        return step(images, labels, learningRate, Cancellation.NONE);
    }

    /**
     * As {@link #step(float[], float[], float)}, stopped by {@code cancellation} (the state stays the last step's).
     *
     * @throws Cancellation.CancelledException when cancelled before the step finished
     */
    public StepResult step(float[] images, float[] labels, float learningRate, Cancellation cancellation)
            throws OrtException {
        if (closed) {
            throw new IllegalStateException("the trainer is closed");
        }
        try (OnnxTensor image =
                        OnnxTensor.createTensor(env, filled(imageMemory, images, imageShape, "images"), imageShape);
                OnnxTensor label =
                        OnnxTensor.createTensor(env, filled(labelMemory, labels, labelShape, "labels"), labelShape);
                OnnxTensor lr = OnnxTensor.createTensor(env, learningRate);
                OnnxTensor stepNumber = OnnxTensor.createTensor(env, (float) (step + 1))) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            state.forEach((name, value) -> feed.put(name, (OnnxTensor) value));
            feed.put(graph.imageInput(), image);
            feed.put(TrainingGraph.LABEL, label);
            feed.put(TrainingGraph.LEARNING_RATE, lr);
            feed.put(TrainingGraph.STEP, stepNumber);
            OrtSession.Result result = cancellation.run(session, feed);
            float loss = scalar(result, TrainingGraph.LOSS);
            float norm = scalar(result, TrainingGraph.GRAD_NORM);
            for (String name : state.keySet()) {
                state.put(name, result.get(name + TrainingGraph.NEXT).orElseThrow());
            }
            releasePrevious();
            last = result;
            step++;
            return new StepResult(step, loss, norm);
        }
    }

    /** {@code memory} holding {@code values}: the batch is copied, as ONNX Runtime reads only direct memory. */
    private static FloatBuffer filled(ByteBuffer memory, float[] values, long[] shape, String what) {
        FloatBuffer floats = memory.asFloatBuffer();
        if (values.length != floats.capacity()) {
            throw new IllegalArgumentException(what + " hold " + values.length + " values; the graph takes "
                    + floats.capacity() + " (" + Arrays.toString(shape) + ")");
        }
        return floats.put(0, values);
    }

    private static float scalar(OrtSession.Result result, String name) throws OrtException {
        return ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer().get(0);
    }

    /**
     * The gradients of the last step, copied out, when the graph was built {@link TrainingGraph.Spec#withGradientOutputs
     * with gradient outputs}.
     */
    public Map<String, float[]> lastGradients() throws OrtException {
        if (last == null || !graph.spec().gradientOutputs()) {
            throw new IllegalStateException("no step has run, or the graph has no gradient outputs");
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String p : graph.parameters()) {
            out.put(p, floats((OnnxTensor) last.get(p + TrainingGraph.GRAD).orElseThrow()));
        }
        return out;
    }

    private static float[] floats(OnnxTensor t) throws OrtException {
        FloatBuffer values = t.getFloatBuffer();
        float[] v = new float[values.remaining()];
        values.get(v);
        return v;
    }

    /** Steps taken so far (restored from a checkpoint too). */
    public long steps() {
        return step;
    }

    /** The current value of every state tensor, copied out (checkpoints, tests). */
    public Map<String, TensorProto> state() throws OrtException {
        Map<String, TensorProto> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : state.entrySet()) {
            OnnxTensor t = (OnnxTensor) e.getValue();
            out.put(e.getKey(), Tensors.floats(e.getKey(), t.getInfo().getShape(), floats(t)));
        }
        return out;
    }

    /** The state and step count as bytes (an ONNX model holding only initializers, with the step in metadata). */
    public byte[] checkpoint() throws OrtException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("checkpoint").addAllInitializer(state().values());
        return ModelProto.newBuilder()
                .setIrVersion(GraphBuilder.IR_VERSION)
                .setProducerName("medlabel")
                .setGraph(g)
                .addMetadataProps(StringStringEntryProto.newBuilder()
                        .setKey(CHECKPOINT_STEP)
                        .setValue(Long.toString(step)))
                .build()
                .toByteArray();
    }

    public void checkpoint(Path file) throws OrtException {
        try {
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            Files.write(partial, checkpoint());
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file, e);
        }
    }

    /** Resumes from {@link #checkpoint()} bytes of a trainer of the same graph. */
    public void restore(byte[] checkpoint) throws OrtException {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(checkpoint);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a MedLabel checkpoint: " + e.getMessage(), e);
        }
        Map<String, TensorProto> values = new LinkedHashMap<>();
        m.getGraph().getInitializerList().forEach(t -> values.put(t.getName(), t));
        for (Map.Entry<String, long[]> e : graph.stateShapes().entrySet()) {
            TensorProto saved = values.get(e.getKey());
            if (saved == null || !Arrays.equals(Tensors.dims(saved), e.getValue())) {
                throw new IllegalArgumentException("the checkpoint does not match this training graph: state '"
                        + e.getKey() + "' is " + (saved == null ? "missing" : "of shape " + saved.getDimsList()));
            }
        }
        long savedStep = m.getMetadataPropsList().stream()
                .filter(p -> p.getKey().equals(CHECKPOINT_STEP))
                .mapToLong(p -> Long.parseLong(p.getValue()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the checkpoint has no step count"));
        setState(values, savedStep);
    }

    /**
     * The forward model as given, with the trained parameters and running statistics: what a model store keeps, and
     * what a later job trains further.
     */
    public ModelProto exportTrained() throws OrtException {
        Map<String, TensorProto> current = state();
        GraphProto.Builder g = graph.spec().forward().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto trained = current.get(g.getInitializer(i).getName());
            if (trained != null) {
                g.setInitializer(i, trained);
            }
        }
        return graph.spec().forward().toBuilder().setGraph(g).build();
    }

    /**
     * {@link #exportTrained()} optimised for inference (sub-pixel transposed convolutions, decomposed softmax...).
     */
    public ModelProto exportInference() throws OrtException {
        return GraphOptimizer.optimize(exportTrained()).model();
    }

    /** The state from {@code values}; a state input missing there starts at zero (the optimiser's at step 0). */
    private void setState(Map<String, TensorProto> values, long step) throws OrtException {
        releaseAll();
        for (Map.Entry<String, long[]> e : graph.stateShapes().entrySet()) {
            ByteBuffer memory = DirectMemory.allocate(4 * Tensors.elementCount(e.getValue()));
            ownedMemory.add(memory);
            FloatBuffer floats = memory.asFloatBuffer();
            TensorProto t = values.get(e.getKey());
            if (t != null) {
                floats.put(0, Tensors.floatValues(t));
            }
            OnnxTensor tensor = OnnxTensor.createTensor(env, floats, e.getValue());
            owned.add(tensor);
            state.put(e.getKey(), tensor);
        }
        this.step = step;
    }

    private void releasePrevious() {
        owned.forEach(OnnxTensor::close);
        owned.clear();
        ownedMemory.forEach(DirectMemory::free);
        ownedMemory.clear();
        if (last != null) {
            last.close();
            last = null;
        }
    }

    private void releaseAll() {
        releasePrevious();
        state.clear();
    }

    @Override
    public void close() throws OrtException {
        if (closed) {
            return;
        }
        closed = true;
        releaseAll();
        sessions.close();
        DirectMemory.free(imageMemory);
        DirectMemory.free(labelMemory);
    }
}
