package org.medlabel.training.job;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** A train request names an unknown or untrainable model, or carries params of the wrong type or range (422). */
public final class InvalidTrainRequestException extends RuntimeException implements CodedError {
    public InvalidTrainRequestException(String message) {
        super(message);
    }

    @Override
    public TrainingError code() {
        return TrainingError.INVALID_REQUEST;
    }
}
