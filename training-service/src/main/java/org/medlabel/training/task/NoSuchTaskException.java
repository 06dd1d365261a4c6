package org.medlabel.training.task;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** No task (or scoring method) answers the request: MONAI Label's 404 with its words. */
public class NoSuchTaskException extends RuntimeException implements CodedError {
    public NoSuchTaskException(String message) {
        super(message);
    }

    @Override
    public TrainingError code() {
        return TrainingError.TASK_NOT_FOUND;
    }
}
