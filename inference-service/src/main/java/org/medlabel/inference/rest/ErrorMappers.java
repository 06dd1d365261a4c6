package org.medlabel.inference.rest;

import static org.medlabel.platform.rest.ErrorResponses.error;

import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.app.network.WindowPlan;
import org.medlabel.imaging.io.ImageFormatException;
import org.medlabel.inference.model.InvalidModelException;
import org.medlabel.inference.model.ModelNotLoadedException;
import org.medlabel.inference.model.UnknownModelException;
import org.medlabel.inference.output.InvalidResultOptionsException;
import org.medlabel.inference.pipeline.InvalidRequestException;
import org.medlabel.inference.volume.ImageNotFoundException;
import org.medlabel.inference.volume.ImageTooLargeException;
import org.medlabel.inference.work.Overloaded;
import org.medlabel.platform.http.ServiceRejectedException;
import org.medlabel.platform.http.ServiceUnavailableException;
import org.medlabel.platform.objectstore.ModelStore;

/**
 * Every error as {@code {"detail": "...", "code": "..."}} (MONAI Label's clients read {@code detail}), with the status
 * that says what went wrong instead of MONAI Label's blanket 500.
 */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response unknownModel(UnknownModelException e) {
        return error(404, "MODEL_NOT_FOUND", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unknownImage(ImageNotFoundException e) {
        return error(404, "IMAGE_NOT_FOUND", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e) {
        return error(422, "INVALID_REQUEST", e.getMessage());
    }

    @ServerExceptionMapper
    public Response tooManyWindows(WindowPlan.TooManyWindowsException e) {
        return error(422, "INVALID_REQUEST", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalidOptions(InvalidResultOptionsException e) {
        return error(422, "INVALID_RESULT_OPTIONS", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalidModel(InvalidModelException e) {
        return error(422, "INVALID_MODEL", e.getMessage());
    }

    @ServerExceptionMapper
    public Response badImage(ImageFormatException e) {
        return error(422, "INVALID_IMAGE", "the image cannot be read: " + e.getMessage());
    }

    @ServerExceptionMapper
    public Response tooLarge(ImageTooLargeException e) {
        return error(413, "IMAGE_TOO_LARGE", e.getMessage());
    }

    @ServerExceptionMapper
    public Response modelTooLarge(ModelResource.ModelTooLargeException e) {
        return error(413, "MODEL_TOO_LARGE", e.getMessage());
    }

    @ServerExceptionMapper
    public Response overloaded(Overloaded e) {
        Response r = error(503, "OVERLOADED", e.getMessage());
        return Response.fromResponse(r)
                .header("Retry-After", e.retryAfterSeconds())
                .build();
    }

    @ServerExceptionMapper
    public Response notLoaded(ModelNotLoadedException e) {
        return Response.fromResponse(error(503, "MODEL_NOT_LOADED", e.getMessage()))
                .header("Retry-After", 10)
                .build();
    }

    /** The datastore or training service is down: {@code DATASTORE_UNAVAILABLE}, {@code TRAINING_UNAVAILABLE}. */
    @ServerExceptionMapper
    public Response dependency(ServiceUnavailableException e) {
        LOG.warn(e.getMessage());
        return error(503, e.service().toUpperCase(Locale.ROOT) + "_UNAVAILABLE", e.getMessage());
    }

    /** Another service refused a call this one made: a configuration or version mismatch, not the client's fault. */
    @ServerExceptionMapper
    public Response dependencyRefused(ServiceRejectedException e) {
        LOG.warn(e.getMessage());
        return error(502, "DEPENDENCY_REFUSED", e.getMessage());
    }

    @ServerExceptionMapper
    public Response store(ModelStore.ModelStoreException e) {
        LOG.warn(e.getMessage());
        return error(503, "STORAGE_UNAVAILABLE", e.getMessage());
    }
}
