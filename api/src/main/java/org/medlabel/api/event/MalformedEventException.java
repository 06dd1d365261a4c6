package org.medlabel.api.event;

/** An event payload that cannot be read: bad JSON, a missing field, an unknown type or an unsupported version. */
public class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
