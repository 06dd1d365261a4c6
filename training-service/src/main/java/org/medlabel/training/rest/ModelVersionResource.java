package org.medlabel.training.rest;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.training.job.InvalidTrainRequestException;
import org.medlabel.training.job.UnknownModelException;
import org.medlabel.training.publish.ModelPublisher;

/**
 * The one door through which a model gets a new version besides training: inference hands over an imported model
 * (converted and checked), which gets the next number under the same lock as trained versions and goes out through the
 * same outbox. (Rooted at {@code /}: a resource at {@code /models} would hide {@code JobResource}'s
 * {@code /models/{model}/used}.)
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ModelVersionResource {

    /** The version an imported model was stored as. */
    public record Stored(String model, int version) {}

    private final ModelPublisher publisher;
    private final AppDefinition app;

    public ModelVersionResource(ModelPublisher publisher, AppDefinition app) {
        this.publisher = publisher;
        this.app = app;
    }

    @POST
    @Path("/models/{model}/versions")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Store an imported ONNX model as the model's next version and announce it (internal)")
    public Stored importVersion(@RestPath String model, InputStream body, @Context HttpHeaders headers)
            throws IOException {
        if (!app.models().containsKey(model)) {
            throw new UnknownModelException(model, app.models().keySet());
        }
        byte[] onnx = body.readAllBytes();
        if (onnx.length == 0) {
            throw new InvalidTrainRequestException("the body must be the model's ONNX bytes");
        }
        return new Stored(model, publisher.importVersion(model, onnx, Callers.user(headers)));
    }
}
