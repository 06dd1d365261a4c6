package org.medlabel.inference.work;

import org.medlabel.inference.error.InferenceError;
import org.medlabel.platform.error.CodedError;

/** No worker will take the request in time: the queue is full or the wait ran out (503 with Retry-After). */
public final class Overloaded extends RuntimeException implements CodedError {

    private final long retryAfterSeconds;

    public Overloaded(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public InferenceError code() {
        return InferenceError.OVERLOADED;
    }
}
