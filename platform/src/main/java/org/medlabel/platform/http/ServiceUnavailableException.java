package org.medlabel.platform.http;

/**
 * Another service could not be reached or said it cannot serve now (HTTP 502-504, or a 5xx): an outage, worth trying
 * again later ({@link org.medlabel.platform.error.Outages#isOutage}).
 */
public class ServiceUnavailableException extends RuntimeException {

    private final String service;

    public ServiceUnavailableException(String service, String message) {
        super(message);
        this.service = service;
    }

    public ServiceUnavailableException(String service, String message, Throwable cause) {
        super(message, cause);
        this.service = service;
    }

    /** The service that failed ({@code datastore}, {@code inference}, {@code training}). */
    public String service() {
        return service;
    }
}
