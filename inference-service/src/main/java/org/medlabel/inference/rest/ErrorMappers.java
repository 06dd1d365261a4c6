package org.medlabel.inference.rest;

import static org.medlabel.platform.rest.ErrorResponses.error;

import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.medlabel.app.network.WindowPlan;
import org.medlabel.imaging.io.ImageFormatException;
import org.medlabel.inference.error.InferenceError;

/**
 * The errors of the libraries inference runs (imaging, the app's window plan), which know nothing of HTTP, in the one
 * error model; the service's own exceptions carry their {@link InferenceError} and are answered by platform's mapper.
 */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response tooManyWindows(WindowPlan.TooManyWindowsException e) {
        return error(InferenceError.INVALID_REQUEST.status(), InferenceError.INVALID_REQUEST.name(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response badImage(ImageFormatException e) {
        return error(
                InferenceError.INVALID_IMAGE.status(),
                InferenceError.INVALID_IMAGE.name(),
                "the image cannot be read: " + e.getMessage());
    }
}
