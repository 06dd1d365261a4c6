package org.medlabel.datastore.rest;

import static org.medlabel.platform.rest.ErrorResponses.error;

import jakarta.ws.rs.core.Response;
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
}
