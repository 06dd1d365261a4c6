package org.medlabel.ml.nn;

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

    public WeightMismatchException(String network, List<String> missing, List<String> unexpected, List<String> wrongShape) {
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
        StringBuilder s = new StringBuilder("the weights do not fit ").append(network).append(':');
        part(s, "missing keys", missing);
        part(s, "unexpected keys", unexpected);
        part(s, "shape mismatches", shapes);
        return s.toString();
    }

    private static void part(StringBuilder s, String what, List<String> items) {
        if (!items.isEmpty()) {
            s.append(' ').append(items.size()).append(' ').append(what).append(" (")
                    .append(String.join(", ", items.subList(0, Math.min(10, items.size()))))
                    .append(items.size() > 10 ? ", ..." : "").append(')').append(';');
        }
    }
}
