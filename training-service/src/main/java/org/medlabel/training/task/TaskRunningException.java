package org.medlabel.training.task;

/** A task of the kind is active somewhere in the cluster: MONAI Label's 429 and its words. */
public class TaskRunningException extends RuntimeException {
    public TaskRunningException(ImageTask.Kind kind) {
        super("++++++++++ " + kind.monaiName + " Task is Already Running");
    }
}
