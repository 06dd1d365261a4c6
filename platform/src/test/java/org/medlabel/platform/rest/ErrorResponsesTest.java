package org.medlabel.platform.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

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

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Response r) {
        return (Map<String, Object>) r.getEntity();
    }
}
