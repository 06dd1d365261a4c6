package org.medlabel.platform.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.platform.error.CodedError;
import org.medlabel.platform.error.Outages;

/**
 * The error shape of every back-end service, {@code {"detail": "...", "code": "..."}} ({@code detail} is what MONAI
 * Label's clients read), the mapping of JAX-RS's own errors (404 of an unknown path, 405, 415...) into it, and of
 * every error no service mapped: an outage of a dependency ({@link Outages}: the database, another service) is a 503
 * the client may retry, anything else a 500 whose id leads to the logged stack trace.
 */
public class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class);
    /** Seconds a client should wait before retrying while a dependency is away (a restart takes a few). */
    static final String OUTAGE_RETRY_AFTER = "5";

    public static Response error(int status, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", detail);
        body.put("code", code);
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return error(status, "HTTP_" + status, e.getMessage());
    }

    /** An exception with its code and status ({@link CodedError}): every service's own errors. */
    static Response coded(CodedError e) {
        if (e.status() >= 500) {
            LOG.warn(e.getMessage());
        }
        Response r = error(e.status(), e.errorCode(), e.getMessage());
        return e.retryAfterSeconds() > 0
                ? Response.fromResponse(r)
                        .header("Retry-After", e.retryAfterSeconds())
                        .build()
                : r;
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (e instanceof CodedError coded) {
            return coded(coded);
        }
        if (Outages.isOutage(e)) {
            boolean database = Outages.databaseUnreachable(e);
            LOG.warnf("a dependency is unreachable: %s", e.getMessage());
            return Response.fromResponse(error(
                            503,
                            database ? "DATABASE_UNAVAILABLE" : "DEPENDENCY_UNAVAILABLE",
                            (database
                                            ? "the database is unavailable"
                                            : "a service this one depends on is unreachable (" + e.getMessage() + ")")
                                    + "; try again in a few seconds"))
                    .header("Retry-After", OUTAGE_RETRY_AFTER)
                    .build();
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return error(500, "INTERNAL", "internal error " + id + " (the service's log has the details)");
    }
}
