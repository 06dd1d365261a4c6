package org.medlabel.inference.model;

import java.util.Set;
import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** The request names a model the app does not have (404). */
public final class UnknownModelException extends RuntimeException implements CodedError {

    public UnknownModelException(String model, Set<String> known) {
        super("model '" + model + "' not found; this app has " + known);
    }

    @Override
    public InferenceError code() {
        return InferenceError.MODEL_NOT_FOUND;
    }
}
