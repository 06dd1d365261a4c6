package org.medlabel.training.job;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** No such job, or no job matching a query (404). */
public final class UnknownJobException extends RuntimeException implements CodedError {
    public UnknownJobException(String message) {
        super(message);
    }

    @Override
    public TrainingError code() {
        return TrainingError.JOB_NOT_FOUND;
    }
}
