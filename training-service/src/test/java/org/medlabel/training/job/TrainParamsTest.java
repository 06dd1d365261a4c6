package org.medlabel.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.app.config.Training;

/** MONAI Label's train params over the app's settings: what clients send works, anything else is named. */
class TrainParamsTest {

    private final Training defaults = Training.defaults();

    @Test
    void withoutParamsTheAppsSettingsApply() {
        TrainParams p = TrainParams.of(defaults, Map.of());
        assertEquals(50, p.maxEpochs());
        assertEquals(0.2, p.valSplit());
        assertEquals(-1, p.earlyStopPatience());
        assertEquals(1e-4, p.learningRate());
        assertTrue(p.pretrained(), "MONAI Label's default: start from the weights served");
    }

    @Test
    void pretrainedIsABooleanOrItsText() {
        assertEquals(
                false, TrainParams.of(defaults, Map.of("pretrained", false)).pretrained());
        assertEquals(
                false, TrainParams.of(defaults, Map.of("pretrained", "False")).pretrained());
        assertEquals(
                true, TrainParams.of(defaults, Map.of("pretrained", "true")).pretrained());
        assertMessage(Map.of("pretrained", "maybe"), "'pretrained' must be true or false, was maybe");
    }

    @Test
    void monaiLabelsParamsOverrideThemAsNumbersOrTextAndItsOtherKeysAreIgnored() {
        TrainParams p = TrainParams.of(
                defaults,
                Map.of(
                        "max_epochs",
                        3,
                        "val_split",
                        "0.5",
                        "train_batch_size",
                        2.0,
                        "early_stop_patience",
                        0,
                        "lr",
                        0.01,
                        "name",
                        "train_01",
                        "multi_gpu",
                        true,
                        "dataset",
                        "CacheDataset",
                        "client_id",
                        "slicer"));
        assertEquals(3, p.maxEpochs());
        assertEquals(0.5, p.valSplit());
        assertEquals(2, p.trainBatchSize());
        assertEquals(-1, p.earlyStopPatience(), "0 means off, as -1");
        assertEquals(0.01, p.learningRate());
    }

    @Test
    void aStepTakesEveryCropOfItsImagesUnlessTheRequestSplitsThem() {
        assertEquals(4, TrainParams.of(defaults, Map.of()).cropsPerStep(), "MONAI Label's batch: num_samples 4");
        assertEquals(1, TrainParams.of(defaults, Map.of("crops_per_step", 1)).cropsPerStep());
        assertEquals(2, TrainParams.of(defaults, Map.of("crops_per_step", "2")).cropsPerStep());
        assertMessage(Map.of("crops_per_step", 3), "'crops_per_step' must divide the model's 4 crops per image, was 3");
        assertMessage(Map.of("crops_per_step", 8), "'crops_per_step' must be in [1, 4], was 8");
    }

    @Test
    void aSeedMakesAJobRepeatableAndIsAWholeNumber() {
        assertTrue(TrainParams.of(defaults, Map.of()).seed().isEmpty(), "without it each job draws from its own id");
        assertEquals(7, TrainParams.of(defaults, Map.of("seed", 7)).seed().getAsLong());
        assertEquals(42, TrainParams.of(defaults, Map.of("seed", "42")).seed().getAsLong());
        assertMessage(Map.of("seed", -1), "'seed' must be in [0, 2147483647], was -1");
        assertMessage(Map.of("seed", 1.5), "'seed' must be a whole number");
    }

    @Test
    void badParamsAreRefusedNamingKeyAndRange() {
        assertMessage(Map.of("max_epochs", 0), "'max_epochs' must be in [1, 100000], was 0");
        assertMessage(Map.of("max_epochs", 2.5), "'max_epochs' must be a whole number");
        assertMessage(Map.of("val_split", 1), "'val_split' must be in [0, 0.99]");
        assertMessage(Map.of("train_batch_size", "two"), "'train_batch_size' must be a number, was \"two\"");
        assertMessage(Map.of("max_epoch", 3), "unknown train params [max_epoch]");
        assertMessage(Map.of("learning_rate", Map.of()), "'learning_rate' must be a number");
    }

    private void assertMessage(Map<String, Object> params, String expected) {
        InvalidTrainRequestException e =
                assertThrows(InvalidTrainRequestException.class, () -> TrainParams.of(defaults, params));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
