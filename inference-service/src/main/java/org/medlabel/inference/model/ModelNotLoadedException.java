package org.medlabel.inference.model;

/** The model exists but no version is loaded yet (start-up, or the object store was down): 503. */
public final class ModelNotLoadedException extends RuntimeException {

    public ModelNotLoadedException(String model) {
        super("model '" + model + "' is not loaded yet; retry shortly");
    }
}
