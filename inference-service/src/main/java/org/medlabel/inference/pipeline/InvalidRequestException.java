package org.medlabel.inference.pipeline;

/** A request the model cannot serve as given (clicks outside the image, malformed params): 422. */
public final class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
