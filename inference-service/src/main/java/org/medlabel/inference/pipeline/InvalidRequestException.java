package org.medlabel.inference.pipeline;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** A request the model cannot serve as given (clicks outside the image, malformed params): 422. */
public final class InvalidRequestException extends RuntimeException implements CodedError {

    public InvalidRequestException(String message) {
        super(message);
    }

    @Override
    public InferenceError code() {
        return InferenceError.INVALID_REQUEST;
    }
}
