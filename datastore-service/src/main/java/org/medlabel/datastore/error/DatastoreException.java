package org.medlabel.datastore.error;

/** A request the datastore refuses: becomes {@code {"detail": ..., "code": ...}} with the code's status. */
public class DatastoreException extends RuntimeException {

    private final ErrorCode code;

    public DatastoreException(ErrorCode code, String detail) {
        super(detail);
        this.code = code;
    }

    public DatastoreException(ErrorCode code, String detail, Throwable cause) {
        super(detail, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
