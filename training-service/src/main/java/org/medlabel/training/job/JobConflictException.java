package org.medlabel.training.job;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** A job for the model is already waiting or running and the request did not ask to queue behind it (429). */
public final class JobConflictException extends RuntimeException implements CodedError {
    public JobConflictException(String model) {
        super("++++++++++ Train Task is Already Running (model '" + model + "'; send enqueue=true to queue behind it)");
    }

    @Override
    public TrainingError code() {
        return TrainingError.ALREADY_RUNNING;
    }
}
