package org.medlabel.platform.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The error shape of every back-end service, {@code {"detail": "...", "code": "..."}} ({@code detail} is what MONAI
 * Label's clients read), and the mapping of JAX-RS's own errors (404 of an unknown path, 405, 415...) into it.
 */
public class ErrorResponses {

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
}
