package org.medlabel.inference.work;

/** No worker will take the request in time: the queue is full or the wait ran out (503 with Retry-After). */
public final class Overloaded extends RuntimeException {

    private final long retryAfterSeconds;

    public Overloaded(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
