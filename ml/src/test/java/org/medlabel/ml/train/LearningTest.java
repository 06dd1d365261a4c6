package org.medlabel.ml.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.onnx.OrtRun;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * The whole path learns: a small UNet trained from scratch in ONNX Runtime on synthetic phantoms goes from chance to a
 * Dice of at least 0.9 on phantoms it has never seen, within a bounded number of steps.
 */
class LearningTest {

    private static final int SIZE = 32;
    private static final int BATCH = 2;
    private static final int STEPS = 120;

    @Test
    void diceOnHeldOutPhantomsRisesFromChanceToAtLeast0point9() throws Exception {
        ModelProto net = new UNetBuilder()
                .channels(8, 16, 32)
                .strides(2, 2)
                .residualUnits(1)
                .seed(3)
                .build();
        long[] shape = {BATCH, 1, SIZE, SIZE, SIZE};
        int voxels = SIZE * SIZE * SIZE;
        List<Sample> heldOut = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            heldOut.add(Sample.of(SIZE, 10_000 + i));
        }
        double before = meanDice(net, heldOut);

        TrainingGraph graph =
                TrainingGraph.build(TrainingGraph.Spec.of(net, shape).with(Optimizer.Adam.defaults(), 1.0));
        try (Trainer trainer = Trainer.start(graph, TrainingGraphTest.CPU)) {
            float[] images = new float[BATCH * voxels];
            float[] labels = new float[BATCH * voxels];
            for (int step = 0; step < STEPS; step++) {
                for (int b = 0; b < BATCH; b++) {
                    Sample p = Sample.of(SIZE, step * BATCH + b);
                    System.arraycopy(p.image(), 0, images, b * voxels, voxels);
                    System.arraycopy(p.label(), 0, labels, b * voxels, voxels);
                }
                // cosine decay from 1e-2: the schedule lives in Java, the rate is an input of each step
                float lr = (float) (0.5e-2 * (1 + Math.cos(Math.PI * step / STEPS)));
                trainer.step(images, labels, lr);
            }
            double after = meanDice(trainer.exportInference(), heldOut);
            assertTrue(before < 0.5, "an untrained network is at chance, Dice " + before);
            assertTrue(after >= 0.9, "Dice after " + STEPS + " steps: " + after + " (before: " + before + ")");
        }
    }

    /** Mean foreground Dice of the argmax segmentation. */
    private static double meanDice(ModelProto model, List<Sample> phantoms) throws Exception {
        double sum = 0;
        int voxels = SIZE * SIZE * SIZE;
        for (Sample p : phantoms) {
            float[] logits =
                    OrtRun.run(model, p.image(), 1, 1, SIZE, SIZE, SIZE).values();
            long both = 0, predicted = 0, truth = 0;
            for (int i = 0; i < voxels; i++) {
                boolean fg = logits[voxels + i] > logits[i];
                boolean t = p.label()[i] > 0;
                both += fg && t ? 1 : 0;
                predicted += fg ? 1 : 0;
                truth += t ? 1 : 0;
            }
            sum += 2.0 * both / Math.max(1, predicted + truth);
        }
        return sum / phantoms.size();
    }

    /** A phantom as the network takes it: intensities scaled from HU by 1/100, labels as floats. */
    private record Sample(float[] image, float[] label) {
        static Sample of(int size, long seed) {
            Phantoms.Phantom p = Phantoms.make(size, seed);
            int n = p.image().voxelCount();
            float[] image = p.image().voxels().floats(0, n);
            for (int i = 0; i < n; i++) {
                image[i] /= 100;
            }
            return new Sample(image, p.label().voxels().floats(0, n));
        }
    }
}
