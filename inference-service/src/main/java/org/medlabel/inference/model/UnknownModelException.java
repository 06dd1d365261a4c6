package org.medlabel.inference.model;

import java.util.Set;

/** The request names a model the app does not have (404). */
public final class UnknownModelException extends RuntimeException {

    public UnknownModelException(String model, Set<String> known) {
        super("model '" + model + "' not found; this app has " + known);
    }
}
