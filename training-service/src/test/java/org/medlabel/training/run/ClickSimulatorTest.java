package org.medlabel.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.medlabel.app.config.AppLoader;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

/**
 * DeepEdit's simulated clicks follow MONAI's deepedit transforms on the radiology app's deepedit (channels in its label
 * order: spleen, right kidney, left kidney, liver, stomach, aorta, vena cava, background; classes 1-7 and 0).
 */
class ClickSimulatorTest {

    private static final ModelDefinition DEEPEDIT =
            AppLoader.load("radiology").models().get("deepedit");
    private static final int SPLEEN = 0, LIVER = 3, BACKGROUND = 7;
    private static final int NX = 30, NY = 30, NZ = 6;

    private final ClickSimulator clicks = new ClickSimulator(DEEPEDIT);

    @Test
    void trainsWithClicksAsOftenAsMonaisBundle() throws Exception {
        Path bundles = Path.of(System.getProperty("medlabel.shared.bundles", "../../shared/bundles"));
        JsonNode train = new ObjectMapper()
                .readTree(bundles.resolve("spleen_deepedit_annotation/configs/train.json")
                        .toFile());
        assertEquals(train.get("deepgrow_probability_train").asDouble(), CropSampler.CLICK_PROBABILITY);
        assertEquals(1.0, train.get("deepgrow_probability_val").asDouble(), "validation always clicks");
    }

    @Test
    void seedsFallOnOneSliceOfEachLabelOnePerRegionAndNoneForAbsentLabels() {
        Volume truth = volume();
        box(truth, 2, 8, 2, 8, 1, 3, 1); // spleen: two regions in slices 1-3
        box(truth, 20, 26, 2, 8, 1, 3, 1);
        box(truth, 2, 26, 15, 25, 2, 5, 4); // liver, slices 2-5
        for (int seed = 0; seed < 50; seed++) {
            List<List<double[]>> set = clicks.initial(truth, new Random(seed));
            List<double[]> spleen = set.get(SPLEEN);
            assertEquals(2, spleen.size(), "one seed per region of the chosen slice");
            assertEquals(spleen.get(0)[2], spleen.get(1)[2], "both on the same slice");
            assertTrue(spleen.get(0)[2] >= 1 && spleen.get(0)[2] <= 3, "a slice that holds the spleen");
            assertOn(truth, spleen, 1);
            assertEquals(1, set.get(LIVER).size());
            assertOn(truth, set.get(LIVER), 4);
            assertTrue(!set.get(BACKGROUND).isEmpty(), "the background gets seeds too");
            assertOn(truth, set.get(BACKGROUND), 0);
            for (int k : new int[] {1, 2, 4, 5, 6}) {
                assertTrue(set.get(k).isEmpty(), "a label absent from the volume gets no seed");
            }
        }
    }

    @Test
    void correctionsClickInsideWhatWasMissedAndForLabelsUnderFalsePositivesAboveFiftyVoxels() {
        Volume truth = volume();
        box(truth, 2, 12, 2, 12, 0, 6, 1); // spleen
        box(truth, 15, 28, 15, 28, 0, 6, 4); // liver
        for (int fp : new int[] {40, 60}) {
            Volume predicted = volume();
            box(predicted, 2, 7, 2, 12, 0, 6, 1); // half the spleen found
            box(predicted, 15, 28, 15, 28, 0, 6, 4);
            int painted = 0; // spleen painted over part of the liver, fp voxels
            for (int i = 0; i < predicted.voxelCount() && painted < fp; i++) {
                if ((int) truth.voxels().get(i) == 4) {
                    predicted.voxels().set(i, 1);
                    painted++;
                }
            }
            List<List<double[]>> set = clicks.none();
            clicks.addCorrections(set, truth, predicted, new Random(fp));
            assertEquals(
                    2,
                    set.get(SPLEEN).size(),
                    "the spleen's missed half: its own click, and one as the background's false positive over it");
            assertOnMissed(truth, predicted, set.get(SPLEEN), 1);
            assertEquals(
                    fp > ClickSimulator.OTHER_AREA ? 2 : 1,
                    set.get(LIVER).size(),
                    "the liver's own missed part, plus the spleen's false positives over it when above 50 voxels");
            assertOnMissed(truth, predicted, set.get(LIVER), 4);
            assertEquals(0, set.get(BACKGROUND).size(), "no background was covered");
        }
    }

    @Test
    void keepsTheClicksOfWholeLabelsUntilARandomOneToTenAreKept() {
        int allKept = 0;
        for (int seed = 0; seed < 200; seed++) {
            List<List<double[]>> set = clicks.none();
            for (int k = 0; k < set.size(); k++) {
                for (int c = 0; c < 3; c++) {
                    set.get(k).add(new double[] {k, c, 0});
                }
            }
            ClickSimulator.keepSome(set, new Random(seed));
            int kept = 0, labels = 0;
            for (List<double[]> label : set) {
                assertTrue(label.isEmpty() || label.size() == 3, "a label keeps all its clicks or none");
                kept += label.size();
                labels += label.isEmpty() ? 0 : 1;
            }
            assertTrue(kept >= 3 && kept <= 12, "labels until 1-10 clicks are kept, 3 a label: " + kept);
            assertEquals(kept, 3 * labels);
            allKept += kept == 24 ? 1 : 0;
        }
        assertEquals(0, allKept, "never all eight labels when each has 3 clicks and at most 10 are wanted");
    }

    private static Volume volume() {
        return Volume.zeros(NX, NY, NZ, 1, VoxelType.UINT8, Affine.scaling(1, 1, 1, 0, 0, 0));
    }

    /** Sets [x0, x1) x [y0, y1) x [z0, z1) to {@code value}. */
    private static void box(Volume v, int x0, int x1, int y0, int y1, int z0, int z1, int value) {
        for (int z = z0; z < z1; z++) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    v.voxels().set((z * NY + y) * NX + x, value);
                }
            }
        }
    }

    private static int at(Volume v, double[] click) {
        return (int) v.voxels().get(((int) click[2] * NY + (int) click[1]) * NX + (int) click[0]);
    }

    private static void assertOn(Volume truth, List<double[]> set, int c) {
        for (double[] click : set) {
            assertEquals(c, at(truth, click), "a click of class " + c);
        }
    }

    private static void assertOnMissed(Volume truth, Volume predicted, List<double[]> set, int c) {
        List<Integer> wrong = new ArrayList<>();
        for (double[] click : set) {
            if (at(truth, click) != c || at(predicted, click) == c) {
                wrong.add(at(truth, click));
            }
        }
        assertTrue(wrong.isEmpty(), "clicks for class " + c + " outside what was missed: " + wrong);
    }
}
