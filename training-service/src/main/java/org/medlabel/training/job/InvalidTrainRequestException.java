package org.medlabel.training.job;

/** A train request names an unknown or untrainable model, or carries params of the wrong type or range (422). */
public final class InvalidTrainRequestException extends RuntimeException {
    public InvalidTrainRequestException(String message) {
        super(message);
    }
}
