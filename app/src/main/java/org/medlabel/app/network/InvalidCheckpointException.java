package org.medlabel.app.network;

/** A PyTorch checkpoint that cannot become a version of a model: unreadable, hostile, or not this model's network. */
public class InvalidCheckpointException extends RuntimeException {
    public InvalidCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
