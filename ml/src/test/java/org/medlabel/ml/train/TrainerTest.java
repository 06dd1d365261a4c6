package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.Tensors;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.onnx.proto.Onnx.TensorProto;
import org.medlabel.ml.runtime.SessionManager;

/** Checkpoints resume exactly, exported models carry the trained weights, and mismatched checkpoints are refused. */
class TrainerTest {

    private static final long[] SHAPE = {2, 1, 8, 8, 8};

    @TempDir
    Path dir;

    private static ModelProto net(Norm norm) {
        return new UNetBuilder()
                .channels(4, 8)
                .strides(2)
                .residualUnits(1)
                .norm(norm)
                .build();
    }

    @Test
    void resumingFromACheckpointContinuesExactlyAsWithoutIt() throws Exception {
        // batch norm: the running statistics are state too
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(net(Norm.BATCH), SHAPE));
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 1);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 5);
        Path file = dir.resolve("ckpt.onnx");
        Map<String, TensorProto> uninterrupted;
        try (Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU)) {
            for (int i = 0; i < 3; i++) {
                trainer.step(image, labels, 1e-2f);
            }
            trainer.checkpoint(file);
            trainer.step(image, labels, 1e-2f);
            trainer.step(image, labels, 5e-3f);
            uninterrupted = trainer.state();
        }
        try (Trainer resumed = Trainer.start(graph, TrainingGraphTest.CPU)) {
            resumed.restore(Files.readAllBytes(file));
            assertEquals(3, resumed.steps());
            resumed.step(image, labels, 1e-2f);
            Trainer.StepResult last = resumed.step(image, labels, 5e-3f);
            assertEquals(5, last.step());
            Map<String, TensorProto> state = resumed.state();
            assertEquals(uninterrupted.keySet(), state.keySet());
            assertTrue(state.keySet().stream().anyMatch(k -> k.endsWith("running_mean")));
            for (String name : state.keySet()) {
                assertArrayEquals(
                        Tensors.floatValues(uninterrupted.get(name)),
                        Tensors.floatValues(state.get(name)),
                        1e-6f,
                        name);
            }
        }
    }

    @Test
    void withoutTheArenaStepsRunOnTheMemoryPatternAndComputeTheSame() throws Exception {
        SessionManager.Config withoutArena = TrainingGraphTest.CPU.withCpuArena(false);
        assertTrue(Trainer.sessionConfig(withoutArena).memoryPattern());
        assertFalse(Trainer.sessionConfig(TrainingGraphTest.CPU).memoryPattern());
        // the pattern's block is planned from the first run: later steps, fed the earlier steps' state, must agree
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(net(Norm.BATCH), SHAPE));
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 3);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 7);
        try (Trainer arena = Trainer.start(graph, TrainingGraphTest.CPU);
                Trainer pattern = Trainer.start(graph, withoutArena)) {
            for (int i = 0; i < 4; i++) {
                assertEquals(
                        arena.step(image, labels, 1e-2f).loss(),
                        pattern.step(image, labels, 1e-2f).loss(),
                        1e-5f,
                        "step " + i);
            }
            Map<String, TensorProto> expected = arena.state();
            Map<String, TensorProto> actual = pattern.state();
            for (String name : expected.keySet()) {
                assertArrayEquals(
                        Tensors.floatValues(expected.get(name)), Tensors.floatValues(actual.get(name)), 1e-5f, name);
            }
        }
    }

    @Test
    void theLossFallsOnAFixedBatchAndTheExportCarriesTheTrainedWeights() throws Exception {
        ModelProto forward = net(Norm.INSTANCE);
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(forward, SHAPE));
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 2);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 6);
        try (Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU)) {
            float first = trainer.step(image, labels, 1e-2f).loss();
            float last = first;
            for (int i = 0; i < 20; i++) {
                last = trainer.step(image, labels, 1e-2f).loss();
            }
            assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);

            ModelProto exported = trainer.exportInference();
            assertEquals(0, OrtRun.count(exported, "ConvTranspose"), "export is optimised for inference");
            float[] sample = java.util.Arrays.copyOf(image, OrtRun.size(SHAPE) / 2);
            long[] one = {1, 1, 8, 8, 8};
            float[] before = OrtRun.run(forward, sample, one).values();
            float[] after = OrtRun.run(exported, sample, one).values();
            assertNotEquals(0, OrtRun.relativeError(after, before), 1e-3, "the exported model has new weights");
            // the export is the forward graph with the trainer's parameters: same output as rebuilding it by hand
            ModelProto.Builder manual = forward.toBuilder();
            Map<String, TensorProto> state = trainer.state();
            for (int i = 0; i < manual.getGraph().getInitializerCount(); i++) {
                TensorProto t = state.get(manual.getGraph().getInitializer(i).getName());
                if (t != null) {
                    manual.getGraphBuilder().setInitializer(i, t);
                }
            }
            assertTrue(OrtRun.relativeError(
                            after, OrtRun.run(manual.build(), sample, one).values())
                    < 1e-5);
            // the trainable export is exactly that hand-built graph: same nodes as the forward model, trained values
            assertEquals(manual.build(), trainer.exportTrained());
            assertEquals(
                    OrtRun.count(forward, "ConvTranspose"), OrtRun.count(trainer.exportTrained(), "ConvTranspose"));
        }
    }

    @Test
    void aCheckpointOfAnotherNetworkIsRefusedWithTheReason() throws Exception {
        TrainingGraph small = TrainingGraph.build(TrainingGraph.Spec.of(net(Norm.INSTANCE), SHAPE));
        TrainingGraph other = TrainingGraph.build(TrainingGraph.Spec.of(
                new UNetBuilder().channels(4, 16).strides(2).residualUnits(1).build(), SHAPE));
        byte[] checkpoint;
        try (Trainer trainer = Trainer.start(other, TrainingGraphTest.CPU)) {
            checkpoint = trainer.checkpoint();
        }
        try (Trainer trainer = Trainer.start(small, TrainingGraphTest.CPU)) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> trainer.restore(checkpoint));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            IllegalArgumentException garbage =
                    assertThrows(IllegalArgumentException.class, () -> trainer.restore(new byte[] {1, 2, 3}));
            assertTrue(garbage.getMessage().contains("checkpoint"), garbage.getMessage());
            assertEquals(0, trainer.steps());
        }
    }

    @Test
    void javasMemoryForTheStateAndTheBatchIsFreedWhenDeadNotAtACollection() throws Exception {
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(net(Norm.BATCH), SHAPE));
        long stateBytes = 4
                * graph.stateShapes().values().stream()
                        .mapToLong(Tensors::elementCount)
                        .sum();
        long batchBytes = 4L * OrtRun.size(SHAPE) * 2; // one image channel, one label channel
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 3);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 7);
        long before = directBytes();
        Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU);
        long started = directBytes() - before;
        // Adam's moments are state without a kept initial tensor: they start at zero
        List<String> moments = graph.stateShapes().keySet().stream()
                .filter(name -> !graph.initialState().containsKey(name))
                .toList();
        assertEquals(2 * graph.parameters().size(), moments.size());
        Map<String, TensorProto> initial = trainer.state();
        for (String m : moments) {
            for (float v : Tensors.floatValues(initial.get(m))) {
                assertEquals(0f, v, m);
            }
        }
        // ORT's Java binding keeps a few bytes of its own (scalars): a slack far below the state's 40 KB
        assertTrue(started >= stateBytes + batchBytes, "the initial state and the batch buffers: " + started);
        trainer.step(image, labels, 1e-2f);
        trainer.step(image, labels, 1e-2f);
        // from the first step on, the state lives in ONNX Runtime's outputs; the batch buffers are reused
        long stepping = directBytes() - before;
        assertTrue(stepping >= batchBytes && stepping < batchBytes + SLACK, "while stepping: " + stepping);

        IllegalArgumentException wrong = assertThrows(
                IllegalArgumentException.class, () -> trainer.step(java.util.Arrays.copyOf(image, 10), labels, 1e-2f));
        assertTrue(wrong.getMessage().contains("[2, 1, 8, 8, 8]"), wrong.getMessage());
        assertEquals(2, trainer.steps(), "a refused batch changes nothing");

        trainer.close();
        assertTrue(directBytes() - before < SLACK, "after close: " + (directBytes() - before));
        trainer.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> trainer.step(image, labels, 1e-2f));
    }

    private static final long SLACK = 1024;

    /** What Java's direct buffers hold now (not ONNX Runtime's own memory). */
    private static long directBytes() {
        return java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
                .stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    @Test
    void dropoutDropsWhileTrainingAndNotInTheExport() throws Exception {
        ModelProto forward = new UNetBuilder()
                .channels(4, 8)
                .strides(2)
                .residualUnits(1)
                .dropout(0.3)
                .build();
        TrainingGraph graph = TrainingGraph.build(TrainingGraph.Spec.of(forward, SHAPE));
        float[] image = OrtRun.gaussian(OrtRun.size(SHAPE), 7);
        float[] labels = TrainingGraphTest.labels(SHAPE, 2, 8);
        try (Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU)) {
            // a learning rate of 0 leaves the weights: only the random masks differ between the two steps
            float a = trainer.step(image, labels, 0f).loss();
            float b = trainer.step(image, labels, 0f).loss();
            assertNotEquals(a, b, "dropout masks are drawn anew each step");
            ModelProto exported = trainer.exportInference();
            float[] sample = java.util.Arrays.copyOf(image, OrtRun.size(SHAPE) / 2);
            long[] one = {1, 1, 8, 8, 8};
            assertArrayEquals(
                    OrtRun.run(forward, sample, one).values(),
                    OrtRun.run(exported, sample, one).values(),
                    1e-5f);
        }
    }
}
