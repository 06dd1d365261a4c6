package org.medlabel.training.error;

import org.medlabel.platform.error.CodedError;

/** Stable error codes of the training API, each with its HTTP status (the datastore's pattern, ADR 0012). */
public enum TrainingError implements CodedError.Code {
    INVALID_REQUEST(422),
    MODEL_NOT_FOUND(404),
    JOB_NOT_FOUND(404),
    TASK_NOT_FOUND(404),
    /** MONAI Label's answer while a task of the kind runs. */
    ALREADY_RUNNING(429);

    private final int status;

    TrainingError(int status) {
        this.status = status;
    }

    @Override
    public int status() {
        return status;
    }
}
