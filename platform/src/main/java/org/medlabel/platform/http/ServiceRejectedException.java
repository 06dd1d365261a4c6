package org.medlabel.platform.http;

/**
 * Another service refused a call (a 4xx): its status, its error {@code code} (the services' JSON error shape; empty
 * when the body had none) and {@code detail}.
 */
public class ServiceRejectedException extends RuntimeException {

    private final int status;
    private final String code;
    private final String detail;

    public ServiceRejectedException(String message, int status, String code, String detail) {
        super(message);
        this.status = status;
        this.code = code;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The service's own words, or the start of its answer. */
    public String detail() {
        return detail;
    }
}
