package org.medlabel.api.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a saved label says it annotates, read from its save params: the segment names of its {@code label_info} (3D
 * Slicer sends every segment of the labelmap) and the {@code model} it was made with. Either may be absent (plain API
 * uploads, {@code medlabel-cli upload}); then only the label's voxels can tell. A trainer uses it to keep a label of a
 * few structures away from a model that would learn the others as background.
 */
public record LabelScope(List<String> structures, String model) {

    /** A label that declares nothing. */
    public static final LabelScope UNDECLARED = new LabelScope(List.of(), null);

    public LabelScope {
        structures = structures == null ? List.of() : List.copyOf(structures);
        model = model == null || model.isBlank() ? null : model;
    }

    /** The scope of MONAI Label save params: {@code label_info[].name} and {@code model}; anything else is ignored. */
    public static LabelScope of(Map<?, ?> params) {
        if (params == null) {
            return UNDECLARED;
        }
        List<String> names = new ArrayList<>();
        if (params.get("label_info") instanceof List<?> info) {
            for (Object segment : info) {
                if (segment instanceof Map<?, ?> m && m.get("name") instanceof String name && !name.isBlank()) {
                    names.add(name.trim());
                }
            }
        }
        return new LabelScope(names, params.get("model") instanceof String model ? model.trim() : null);
    }

    /** Whether the label names its structures or its model. */
    public boolean declared() {
        return !structures.isEmpty() || model != null;
    }
}
