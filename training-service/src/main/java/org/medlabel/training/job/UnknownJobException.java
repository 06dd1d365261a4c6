package org.medlabel.training.job;

/** No such job, or no job matching a query (404). */
public final class UnknownJobException extends RuntimeException {
    public UnknownJobException(String message) {
        super(message);
    }
}
