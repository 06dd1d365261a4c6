package org.medlabel.inference.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.inference.model.ServedModel;
import org.medlabel.ml.runtime.Cancellation;

/** The epistemic score on the head CT with networks whose probabilities are known. */
class EpistemicScoreTest {

    private static final String SEGMENTATION = """
              type: segmentation
              labels: {bone: 1}
              network: {file: none.onnx}
              pre:
                orientation: RAS
                spacing: [1.5, 1.5, 1.5]
                window: {aMin: 0, aMax: 200, bMin: 0, bMax: 1, clip: true}
              inferer: {kind: whole}
              post: {activation: softmax}
            """;
    private static final EpistemicScore EPISTEMIC = new EpistemicScore(Parallel.threads(2));
    private static Volume ct;

    @BeforeAll
    static void readCt() throws Exception {
        ct = TestModels.headCt();
    }

    private static ServedModel model(float[][] weights, float[] bias) throws Exception {
        return TestModels.pointwise(TestModels.definition(SEGMENTATION), weights, bias);
    }

    @Test
    void aConstantProbabilityGivesItsEntropyExactly() throws Exception {
        // Background and foreground logits equal everywhere: p = 0.5, -p ln p = ln(2)/2 at every voxel.
        assertEquals(
                Math.log(2) / 2,
                EPISTEMIC.score(model(new float[][] {{0}, {0}}, new float[] {0, 0}), ct, 5, Cancellation.NONE),
                1e-6);
        double p = 1 / (1 + Math.exp(-2)); // softmax of (0, 2): the foreground's probability
        assertEquals(
                -p * Math.log(p),
                EPISTEMIC.score(model(new float[][] {{0}, {0}}, new float[] {0, 2}), ct, 3, Cancellation.NONE),
                1e-6);
    }

    @Test
    void aSureModelScoresLowerThanAnUnsureOne() throws Exception {
        // the same threshold at 100 HU, once with logits 100x steeper
        double sure =
                EPISTEMIC.score(model(new float[][] {{-100}, {100}}, new float[] {50, -50}), ct, 5, Cancellation.NONE);
        double unsure =
                EPISTEMIC.score(model(new float[][] {{-1}, {1}}, new float[] {0.5f, -0.5f}), ct, 5, Cancellation.NONE);
        assertTrue(sure < 0.02 && unsure > 0.1 && unsure > 10 * sure, "sure " + sure + ", unsure " + unsure);
    }

    @Test
    void flippedSamplesAreFlippedBackBeforeTheyAreAveraged() throws Exception {
        // A voxel-wise network answers the same for every flip once the output is flipped back: the mean equals each
        // sample, whatever their number. Misaligned samples would blur the mean and raise the entropy.
        ServedModel threshold = model(new float[][] {{-4}, {4}}, new float[] {2, -2});
        double two = EPISTEMIC.score(threshold, ct, 2, Cancellation.NONE);
        double eight = EPISTEMIC.score(threshold, ct, EpistemicScore.MAX_SAMPLES, Cancellation.NONE);
        assertEquals(two, eight, 1e-6);
    }

    @Test
    void badRequestsAreRefusedClearly() throws Exception {
        ServedModel threshold = model(new float[][] {{-4}, {4}}, new float[] {2, -2});
        assertTrue(
                assertThrows(InvalidRequestException.class, () -> EPISTEMIC.score(threshold, ct, 1, Cancellation.NONE))
                        .getMessage()
                        .contains("samples must be 2..8"));
        ServedModel deepgrow = TestModels.pointwise(
                TestModels.definition(SEGMENTATION.replace("type: segmentation", "type: deepgrow")
                        + "  guidance: {sigma: 2, cropSize: [48, 48], margin: 4, modelSize: [40, 48, 48]}\n"),
                new float[][] {{1, 1, 1}},
                new float[] {0});
        assertTrue(
                assertThrows(InvalidRequestException.class, () -> EPISTEMIC.score(deepgrow, ct, 5, Cancellation.NONE))
                        .getMessage()
                        .contains("not a deepgrow one"));
    }
}
