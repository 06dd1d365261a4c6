package org.medlabel.inference.rest;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** An uploaded file over {@code medlabel.inference.max-upload-bytes} (413). */
final class UploadTooLargeException extends RuntimeException implements CodedError {

    private final InferenceError code;

    UploadTooLargeException(InferenceError code, String what, long limit) {
        super(what + " is larger than the limit of " + limit + " bytes (medlabel.inference.max-upload-bytes)");
        this.code = code;
    }

    @Override
    public InferenceError code() {
        return code;
    }
}
