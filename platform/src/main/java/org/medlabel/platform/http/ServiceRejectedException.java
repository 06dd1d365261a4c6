package org.medlabel.platform.http;

import org.medlabel.platform.error.CodedError;
import org.medlabel.platform.error.PlatformError;

/**
 * Another service refused a call (a 4xx): its status, its error {@code code} (the services' JSON error shape; empty
 * when the body had none) and {@code detail}.
 */
public class ServiceRejectedException extends RuntimeException implements CodedError {

    private final int status;
    private final String code;
    private final String detail;

    public ServiceRejectedException(String message, int status, String code, String detail) {
        super(message);
        this.status = status;
        this.code = code;
        this.detail = detail;
    }

    /** The other service's error code (empty when its body had none). */
    public String upstreamCode() {
        return code;
    }

    /** As an answer of the calling service: a 502 (see {@link PlatformError#DEPENDENCY_REFUSED}). */
    @Override
    public PlatformError code() {
        return PlatformError.DEPENDENCY_REFUSED;
    }

    /** The status the other service answered. */
    public int upstreamStatus() {
        return status;
    }

    /** The service's own words, or the start of its answer. */
    public String detail() {
        return detail;
    }
}
