package org.medlabel.inference.output;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/**
 * A request asked for a result the server cannot write: an unknown {@code result_extension} or {@code result_dtype}, a
 * {@code result_compress} that is not a boolean, or label values the requested dtype cannot hold. The client's fault,
 * so the service answers 422 rather than 500.
 */
public final class InvalidResultOptionsException extends IllegalArgumentException implements CodedError {

    public InvalidResultOptionsException(String message) {
        super(message);
    }

    @Override
    public InferenceError code() {
        return InferenceError.INVALID_RESULT_OPTIONS;
    }
}
