package org.medlabel.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.api.event.LabelScope;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.AppLoader;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;
import org.medlabel.training.data.LabelCoverage.Verdict;

/** Which labels the shipped radiology app's models learn from. */
class LabelCoverageTest {

    private static final AppDefinition RADIOLOGY = AppLoader.load("radiology");

    private static Verdict verdict(String model, LabelScope scope) {
        return LabelCoverage.of(model, RADIOLOGY.models().get(model), scope);
    }

    @Test
    void aSpleenLabelTrainsTheSpleenModelAndTheClickModelsButNotTheMultiOrganOnes() {
        LabelScope spleen = LabelScope.of(
                Map.of("label_info", List.of(Map.of("name", "Spleen", "idx", 1)), "model", "segmentation_spleen"));
        assertEquals(Verdict.COVERS, verdict("segmentation_spleen", spleen));
        assertEquals(Verdict.COVERS, verdict("deepgrow_3d", spleen));
        assertEquals(Verdict.MISSES, verdict("deepedit", spleen));
        assertEquals(Verdict.MISSES, verdict("segmentation", spleen));
    }

    @Test
    void aLabelNamingEveryStructureOrSavedForTheModelCoversIt() {
        ModelDefinition deepedit = RADIOLOGY.models().get("deepedit");
        List<String> all =
                deepedit.foregroundNames().stream().map(String::toUpperCase).toList();
        assertEquals(Verdict.COVERS, verdict("deepedit", new LabelScope(all, "segmentation_spleen")));
        assertEquals(Verdict.COVERS, verdict("deepedit", new LabelScope(List.of(), "deepedit")));
        assertEquals(Verdict.UNDECIDED, verdict("deepedit", new LabelScope(List.of(), "segmentation_spleen")));
        assertEquals(Verdict.UNDECIDED, verdict("segmentation_spleen", LabelScope.UNDECLARED));
    }

    @Test
    void anUndeclaredLabelCoversAModelWhenEveryStructuresValueOccursInIt() {
        ModelDefinition deepedit = RADIOLOGY.models().get("deepedit");
        Volume label = Volume.zeros(8, 8, 8, 1, VoxelType.UINT8, Affine.scaling(1, 1, 1, 0, 0, 0));
        List<Integer> values = deepedit.foregroundNames().stream()
                .map(n -> deepedit.labelValues().get(n))
                .toList();
        for (int i = 0; i < values.size() - 1; i++) {
            label.voxels().set(i * 7, values.get(i));
        }
        assertFalse(LabelCoverage.coveredByVoxels(deepedit, label), "one structure missing");
        label.voxels().set(500, values.get(values.size() - 1));
        assertTrue(LabelCoverage.coveredByVoxels(deepedit, label));
        assertTrue(LabelCoverage.coveredByVoxels(RADIOLOGY.models().get("segmentation_spleen"), label));
    }
}
