package org.medlabel.platform.http;

/**
 * Another service could not be reached or said it cannot serve now (HTTP 502-504, or a 5xx): an outage, worth trying
 * again later ({@link org.medlabel.platform.error.Outages#isOutage}).
 */
public class ServiceUnavailableException extends RuntimeException {
    public ServiceUnavailableException(String message) {
        super(message);
    }

    public ServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
