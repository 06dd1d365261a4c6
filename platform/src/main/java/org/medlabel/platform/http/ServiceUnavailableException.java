package org.medlabel.platform.http;

import java.util.Locale;
import org.medlabel.platform.error.CodedError;
import org.medlabel.platform.error.PlatformError;

/**
 * Another service could not be reached or said it cannot serve now (HTTP 502-504, or a 5xx): an outage, worth trying
 * again later ({@link org.medlabel.platform.error.Outages#isOutage}).
 */
public class ServiceUnavailableException extends RuntimeException implements CodedError {

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

    @Override
    public PlatformError code() {
        return PlatformError.DEPENDENCY_UNAVAILABLE;
    }

    /** Named after the service: {@code DATASTORE_UNAVAILABLE}, {@code INFERENCE_UNAVAILABLE}, ... */
    @Override
    public String errorCode() {
        return service.toUpperCase(Locale.ROOT) + "_UNAVAILABLE";
    }

    @Override
    public long retryAfterSeconds() {
        return 5;
    }
}
