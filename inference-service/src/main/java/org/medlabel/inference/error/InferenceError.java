package org.medlabel.inference.error;

import org.medlabel.platform.error.CodedError;

/** Stable error codes of the inference API, each with its HTTP status (the datastore's pattern, ADR 0012). */
public enum InferenceError implements CodedError.Code {
    MODEL_NOT_FOUND(404),
    IMAGE_NOT_FOUND(404),
    INVALID_REQUEST(422),
    INVALID_RESULT_OPTIONS(422),
    INVALID_MODEL(422),
    INVALID_IMAGE(422),
    IMAGE_TOO_LARGE(413),
    MODEL_TOO_LARGE(413),
    OVERLOADED(503),
    MODEL_NOT_LOADED(503);

    private final int status;

    InferenceError(int status) {
        this.status = status;
    }

    @Override
    public int status() {
        return status;
    }
}
