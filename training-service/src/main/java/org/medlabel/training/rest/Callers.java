package org.medlabel.training.rest;

import jakarta.ws.rs.core.HttpHeaders;
import org.medlabel.api.internal.InternalHeaders;

/** Who a request is for, as the gateway authenticated them. */
final class Callers {

    private Callers() {}

    /** The user the call names, or null when auth is off (no header) or a service calls for itself. */
    static String user(HttpHeaders headers) {
        String user = headers.getHeaderString(InternalHeaders.USER);
        return InternalHeaders.isPerson(user) ? user : null;
    }
}
