package org.medlabel.platform.error;

/** The codes of the failures platform itself raises, in every service. */
public enum PlatformError implements CodedError.Code {
    /** Another service refused a call this one made: a configuration or version mismatch, not the client's fault. */
    DEPENDENCY_REFUSED(502),
    /** Another service is down (answered as {@code <SERVICE>_UNAVAILABLE}). */
    DEPENDENCY_UNAVAILABLE(503),
    STORAGE_UNAVAILABLE(503);

    private final int status;

    PlatformError(int status) {
        this.status = status;
    }

    @Override
    public int status() {
        return status;
    }
}
