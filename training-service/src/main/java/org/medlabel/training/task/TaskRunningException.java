package org.medlabel.training.task;

import org.medlabel.platform.error.CodedError;
import org.medlabel.training.error.TrainingError;

/** A task of the kind is active somewhere in the cluster: MONAI Label's 429 and its words. */
public class TaskRunningException extends RuntimeException implements CodedError {
    public TaskRunningException(ImageTask.Kind kind) {
        super("++++++++++ " + kind.monaiName + " Task is Already Running");
    }

    @Override
    public TrainingError code() {
        return TrainingError.ALREADY_RUNNING;
    }
}
