package org.medlabel.platform.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.medlabel.platform.error.CodedError;
import org.medlabel.platform.http.ServiceRejectedException;
import org.medlabel.platform.http.ServiceUnavailableException;

class ErrorResponsesTest {

    private final ErrorResponses mappers = new ErrorResponses();

    @Test
    void aDatabaseThatRefusedOrDroppedTheConnectionIsARetryable503() {
        for (String state : new String[] {"08001", "08006", "57P01", "57P03", "53300"}) {
            // as Hibernate and the training store wrap the driver's exception
            Exception wrapped = new IllegalStateException(
                    "training database", new RuntimeException(new SQLException("connection lost", state)));
            Response r = mappers.unexpected(wrapped);
            assertEquals(503, r.getStatus(), state);
            assertEquals("5", r.getHeaderString("Retry-After"));
            assertEquals("DATABASE_UNAVAILABLE", body(r).get("code"));
        }
    }

    @Test
    void anUnreachableServiceIsARetryable503NamingIt() {
        Response r = mappers.unexpected(new java.io.UncheckedIOException(
                new java.io.IOException("datalist", new java.net.ConnectException("Connection refused"))));
        assertEquals(503, r.getStatus());
        assertEquals("5", r.getHeaderString("Retry-After"));
        assertEquals("DEPENDENCY_UNAVAILABLE", body(r).get("code"));
        assertTrue(body(r).get("detail").toString().contains("datalist"), body(r).toString());
    }

    @Test
    void anyOtherErrorIsA500InMonaiLabelsShapeWithAnIdForTheLog() {
        Response r = mappers.unexpected(new RuntimeException(new SQLException("duplicate key", "23505")));
        assertEquals(500, r.getStatus());
        assertNull(r.getHeaderString("Retry-After"));
        assertEquals("INTERNAL", body(r).get("code"));
        assertTrue(
                body(r).get("detail").toString().matches("internal error [0-9a-f-]{36} \\(the service's log .*"),
                body(r).toString());
        assertEquals(500, mappers.unexpected(new SQLException("no state")).getStatus());
    }

    /** A service's own error, as each service's enum codes it. */
    private static final class Throttled extends java.io.IOException implements CodedError {
        private enum Code implements CodedError.Code {
            SLOW_DOWN;

            @Override
            public int status() {
                return 429;
            }
        }

        Throttled() {
            super("too many at once");
        }

        @Override
        public Code code() {
            return Code.SLOW_DOWN;
        }

        @Override
        public long retryAfterSeconds() {
            return 7;
        }
    }

    @Test
    void everyCodedErrorIsAnsweredWithItsCodeStatusAndRetryAfterWhateverItsSuperclass() {
        Response throttled = mappers.unexpected(new Throttled());
        assertEquals(429, throttled.getStatus());
        assertEquals(Map.of("detail", "too many at once", "code", "SLOW_DOWN"), body(throttled));
        assertEquals("7", throttled.getHeaderString("Retry-After"));

        Response down = mappers.unexpected(new ServiceUnavailableException("inference", "inference is down"));
        assertEquals(503, down.getStatus());
        assertEquals("INFERENCE_UNAVAILABLE", body(down).get("code"));
        assertEquals("5", down.getHeaderString("Retry-After"));

        Response refused = mappers.unexpected(new ServiceRejectedException("refused", 404, "HTTP_404", "no such path"));
        assertEquals(502, refused.getStatus(), "another service refusing this one is not the client's fault");
        assertEquals("DEPENDENCY_REFUSED", body(refused).get("code"));
        assertNull(refused.getHeaderString("Retry-After"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Response r) {
        return (Map<String, Object>) r.getEntity();
    }
}
