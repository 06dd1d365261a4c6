package org.medlabel.training.job;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** The app has no model of that name (404). */
public final class UnknownModelException extends RuntimeException implements CodedError {
    public UnknownModelException(String model, java.util.Set<String> trainable) {
        super("unknown model '" + model + "'; trainable: " + trainable);
    }

    @Override
    public TrainingError code() {
        return TrainingError.MODEL_NOT_FOUND;
    }
}
