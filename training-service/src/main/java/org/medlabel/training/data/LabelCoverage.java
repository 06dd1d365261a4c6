package org.medlabel.training.data;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.medlabel.api.event.LabelScope;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.imaging.volume.Volume;

/**
 * Which final labels a model may learn from. A segmentation or DeepEdit model learns every voxel outside its labels
 * as background, so a label that annotates only some of its structures (a spleen label for a 25-organ model) would
 * teach it that the others are background: such a model trains only on labels that cover all of its structures. A
 * label covers them when its {@code label_info} names every one (case-insensitive), or else when it was saved for this
 * very model, or, when it declares neither, when every one of the structures' values occurs in its voxels. A DeepGrow
 * model learns one structure at a time, whatever else is labelled, and trains on every label.
 */
public final class LabelCoverage {

    /** What a label's declaration alone says about a model. */
    public enum Verdict {
        COVERS,
        MISSES,
        /** Only the label's voxels can tell. */
        UNDECIDED
    }

    private LabelCoverage() {}

    public static Verdict of(String modelName, ModelDefinition model, LabelScope scope) {
        if (model.type() == ModelType.DEEPGROW) {
            return Verdict.COVERS;
        }
        if (!scope.structures().isEmpty()) {
            Set<String> named =
                    scope.structures().stream().map(LabelCoverage::key).collect(Collectors.toSet());
            return model.foregroundNames().stream().map(LabelCoverage::key).allMatch(named::contains)
                    ? Verdict.COVERS
                    : Verdict.MISSES;
        }
        return modelName.equals(scope.model()) ? Verdict.COVERS : Verdict.UNDECIDED;
    }

    /** Whether every foreground structure's value occurs in {@code label} (for labels that declare nothing). */
    public static boolean coveredByVoxels(ModelDefinition model, Volume label) {
        Set<Integer> wanted = model.foregroundNames().stream()
                .map(n -> model.labelValues().get(n))
                .collect(Collectors.toSet());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < label.voxelCount() && seen.size() < wanted.size(); i++) {
            int v = (int) Math.round(label.voxels().get(i));
            if (wanted.contains(v)) {
                seen.add(v);
            }
        }
        return seen.size() == wanted.size();
    }

    /** A sentence for a job that found no label to learn from. */
    public static String nothingCovers(String modelName, ModelDefinition model) {
        return "no final label covers all of " + modelName + "'s structures " + model.foregroundNames()
                + ": a label covers them when its label_info names them all, when it was saved for this model, or (when it"
                + " names neither) when every one of their values occurs in it; a label of fewer structures would teach"
                + " the model that the others are background";
    }

    private static String key(String name) {
        return name.trim().toLowerCase(Locale.ROOT);
    }
}
