package org.medlabel.inference.volume;

/**
 * The datastore could not be reached or did not answer as expected (the service answers 503: retrying later may
 * help, unlike for a missing image).
 */
public class DatastoreUnavailableException extends RuntimeException {
    public DatastoreUnavailableException(String message) {
        super(message);
    }

    public DatastoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
