package org.medlabel.inference.model;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** An ONNX file that cannot serve as a version of the model (422). */
public final class InvalidModelException extends RuntimeException implements CodedError {

    public InvalidModelException(String message) {
        super(message);
    }

    @Override
    public InferenceError code() {
        return InferenceError.INVALID_MODEL;
    }
}
