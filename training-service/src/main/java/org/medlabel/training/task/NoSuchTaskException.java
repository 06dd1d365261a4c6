package org.medlabel.training.task;

/** No task (or scoring method) answers the request: MONAI Label's 404 with its words. */
public class NoSuchTaskException extends RuntimeException {
    public NoSuchTaskException(String message) {
        super(message);
    }
}
