package org.medlabel.datastore.error;

import org.medlabel.platform.error.CodedError;

/** A request the datastore refuses: becomes {@code {"detail": ..., "code": ...}} with the code's status. */
public class DatastoreException extends RuntimeException implements CodedError {

    private final ErrorCode code;

    public DatastoreException(ErrorCode code, String detail) {
        super(detail);
        this.code = code;
    }

    public DatastoreException(ErrorCode code, String detail, Throwable cause) {
        super(detail, cause);
        this.code = code;
    }

    @Override
    public ErrorCode code() {
        return code;
    }

    @Override
    public long retryAfterSeconds() {
        return code == ErrorCode.PACS_UNAVAILABLE ? 10 : 0;
    }
}
