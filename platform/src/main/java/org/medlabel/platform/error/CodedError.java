package org.medlabel.platform.error;

/**
 * The one error model of the back-end services: an exception that carries a code of its service's error enum
 * (datastore's {@code ErrorCode}, inference's {@code InferenceError}, training's {@code TrainingError}, platform's
 * {@link PlatformError}), each code with its HTTP status, is answered {@code {"detail": <message>, "code": <code>}} by
 * the one mapper, {@link org.medlabel.platform.rest.ErrorResponses}. An interface rather than a base class, so an
 * exception keeps the superclass its callers catch (an {@code IOException} of a decoder, say).
 */
public interface CodedError {

    /** A code of a service's API, with the HTTP status it answers with: what each service's error enum implements. */
    interface Code {
        String name();

        int status();
    }

    Code code();

    /** The code clients and logs see, e.g. {@code IMAGE_NOT_FOUND}. */
    default String errorCode() {
        return code().name();
    }

    default int status() {
        return code().status();
    }

    String getMessage();

    /** Seconds a client should wait before trying again, or 0 for no {@code Retry-After}. */
    default long retryAfterSeconds() {
        return 0;
    }
}
