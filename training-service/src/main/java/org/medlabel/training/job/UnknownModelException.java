package org.medlabel.training.job;

/** The app has no model of that name (404). */
public final class UnknownModelException extends RuntimeException {
    public UnknownModelException(String model, java.util.Set<String> trainable) {
        super("unknown model '" + model + "'; trainable: " + trainable);
    }
}
