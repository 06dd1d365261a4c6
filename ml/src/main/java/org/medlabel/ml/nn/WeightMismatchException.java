package org.medlabel.ml.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * A state dict that does not fit the network it is loaded into, as PyTorch's {@code load_state_dict(strict=True)}
 * reports it: keys the network needs that the file lacks, keys the file has that the network does not, and shapes
 * that differ.
 */
public class WeightMismatchException extends Exception {

    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> wrongShape;

    public WeightMismatchException(
            String network, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        super(message(network, missing, unexpected, wrongShape));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.wrongShape = List.copyOf(wrongShape);
    }

    public List<String> missing() {
        return missing;
    }

    public List<String> unexpected() {
        return unexpected;
    }

    public List<String> wrongShape() {
        return wrongShape;
    }

    private static String message(String network, List<String> missing, List<String> unexpected, List<String> shapes) {
        List<String> parts = new ArrayList<>();
        part(parts, "missing keys", missing);
        part(parts, "unexpected keys", unexpected);
        part(parts, "shape mismatches", shapes);
        return "the weights do not fit " + network + ": " + String.join("; ", parts);
    }

    private static void part(List<String> parts, String what, List<String> items) {
        if (!items.isEmpty()) {
            parts.add(items.size() + " " + what + " (" + String.join(", ", items.subList(0, Math.min(10, items.size())))
                    + (items.size() > 10 ? ", ..." : "") + ")");
        }
    }
}
