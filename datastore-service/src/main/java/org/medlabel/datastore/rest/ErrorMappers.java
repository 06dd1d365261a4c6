package org.medlabel.datastore.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.datastore.error.DatastoreException;

/** Every error as {@code {"detail": "...", "code": "..."}}: the shape MONAI Label clients read ({@code detail}). */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response datastore(DatastoreException e) {
        if (e.code().status() >= 500) {
            LOG.warn(e.getMessage(), e);
        }
        return error(e.code().status(), e.code().name(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return error(status, "HTTP_" + status, e.getMessage());
    }

    static Response error(int status, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", detail);
        body.put("code", code);
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }
}
