package org.medlabel.gateway.error;

/**
 * A request the gateway answers itself with an error: MONAI Label's {@code {"detail": "..."}} with the right status
 * (MONAI Label answers most of these with a plain-text 500).
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String retryAfter;

    private ApiError(int status, String detail, String retryAfter) {
        super(detail, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public static ApiError of(int status, String detail) {
        return new ApiError(status, detail, null);
    }

    public static ApiError badRequest(String detail) {
        return new ApiError(400, detail, null);
    }

    public static ApiError notFound(String detail) {
        return new ApiError(404, detail, null);
    }

    /** 401: answered with {@code WWW-Authenticate: Bearer}, as MONAI Label's (FastAPI's) bearer scheme does. */
    public static ApiError unauthorized(String detail) {
        return new ApiError(401, detail, null);
    }

    public static ApiError forbidden(String detail) {
        return new ApiError(403, detail, null);
    }

    public static ApiError unprocessable(String detail) {
        return new ApiError(422, detail, null);
    }

    /** 503 with {@code Retry-After} seconds. */
    public static ApiError unavailable(String detail, long retryAfterSeconds) {
        return new ApiError(503, detail, Long.toString(Math.max(1, retryAfterSeconds)));
    }

    public int status() {
        return status;
    }

    /** Seconds, or null. */
    public String retryAfter() {
        return retryAfter;
    }
}
