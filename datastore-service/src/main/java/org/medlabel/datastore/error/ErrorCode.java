package org.medlabel.datastore.error;

import org.medlabel.platform.error.CodedError;

/** Stable error codes of the datastore API, each with its HTTP status. */
public enum ErrorCode implements CodedError.Code {
    INVALID_ID(400),
    INVALID_REQUEST(400),
    FORBIDDEN(403),
    IMAGE_NOT_FOUND(404),
    LABEL_NOT_FOUND(404),
    SESSION_NOT_FOUND(404),
    CHECKSUM_MISMATCH(404),
    UNSUPPORTED_FORMAT(415),
    PAYLOAD_TOO_LARGE(413),
    INVALID_IMAGE(422),
    LABEL_GRID_MISMATCH(422),
    UNKNOWN_STRATEGY(404),
    STORAGE_UNAVAILABLE(503),
    PACS_UNAVAILABLE(503);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    @Override
    public int status() {
        return status;
    }
}
