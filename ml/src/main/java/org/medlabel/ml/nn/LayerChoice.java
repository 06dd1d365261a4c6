package org.medlabel.ml.nn;

import java.util.List;
import java.util.Map;

/**
 * How MONAI's constructors take a norm or an activation: a name ({@code "batch"}) or a name and its arguments
 * ({@code ["group", {"num_groups": 8}]}), as MONAI's layer factories split them.
 */
record LayerChoice(String name, Map<?, ?> args) {

    /** @param what "a norm", "an activation": names the thing in the error message */
    static LayerChoice parse(Object value, String what) {
        if (value instanceof String s) {
            return new LayerChoice(s, Map.of());
        }
        if (value instanceof List<?> l
                && l.size() == 2
                && l.get(0) instanceof String s
                && l.get(1) instanceof Map<?, ?> m) {
            return new LayerChoice(s, m);
        }
        throw new IllegalArgumentException(what + " is a name or [name, {arguments}], was " + value);
    }
}
