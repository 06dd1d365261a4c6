package org.medlabel.inference.model;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** The model exists but no version is loaded yet (start-up, or the object store was down): 503. */
public final class ModelNotLoadedException extends RuntimeException implements CodedError {

    public ModelNotLoadedException(String model) {
        super("model '" + model + "' is not loaded yet; retry shortly");
    }

    @Override
    public InferenceError code() {
        return InferenceError.MODEL_NOT_LOADED;
    }

    /** A model loads within seconds of its store coming back. */
    @Override
    public long retryAfterSeconds() {
        return 10;
    }
}
