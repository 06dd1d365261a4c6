package org.medlabel.inference.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestPath;
import org.medlabel.api.internal.InternalHeaders;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.inference.config.InferenceConfig;
import org.medlabel.inference.error.InferenceError;
import org.medlabel.inference.model.InvalidModelException;
import org.medlabel.inference.model.ModelImport;
import org.medlabel.inference.model.ModelNotLoadedException;
import org.medlabel.inference.model.ModelRegistry;
import org.medlabel.inference.model.UnknownModelException;
import org.medlabel.platform.http.Spool;
import org.medlabel.platform.objectstore.ModelStore;

/**
 * The app's models as MONAI Label's {@code /info/} describes them (plus the version each serves), and the import of a
 * user's model file (ONNX, PyTorch checkpoint, TorchScript) as a model's next version ({@link ModelImport}).
 */
@Path("/models")
public class ModelResource {

    private final AppDefinition app;
    private final ModelRegistry registry;
    private final ModelImport imports;
    private final InferenceConfig config;
    private final ModelStore store;

    public ModelResource(
            AppDefinition app, ModelRegistry registry, ModelImport imports, InferenceConfig config, ModelStore store) {
        this.app = app;
        this.registry = registry;
        this.imports = imports;
        this.config = config;
        this.store = store;
    }

    /** The app and its models, as {@code /info/} shows them. */
    public record AppView(String name, String description, String version, Map<String, ModelView> models) {}

    /** One model as MONAI Label's {@code /info/} describes it, plus the version served (null until loaded). */
    public record ModelView(
            String type,
            JsonNode labels,
            int dimension,
            String description,
            Map<String, Object> config,
            String device,
            Integer version) {}

    @GET
    @Operation(summary = "The app and its models: type, labels, dimension, description, config, served version")
    public AppView models() {
        Map<String, Integer> versions = registry.versions();
        Map<String, ModelView> models = new LinkedHashMap<>();
        app.models().forEach((name, d) -> models.put(name, describe(d, versions.get(name))));
        return new AppView(app.name(), app.description(), app.version(), models);
    }

    private ModelView describe(ModelDefinition d, Integer version) {
        return new ModelView(
                d.type().wireName(),
                d.labels(),
                d.spatialDims(),
                d.description(),
                d.config() == null ? Map.of() : d.config(),
                d.device() != null ? d.device() : config.device(),
                version);
    }

    @GET
    @Path("/{model}/file")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "The ONNX file of the version served (MONAI Label's GET /model/{model})")
    public Uni<Response> file(@RestPath String model) {
        return served(
                model,
                (version, key) -> Response.ok(store.read(key), MediaType.APPLICATION_OCTET_STREAM)
                        .header("Content-Disposition", "attachment; filename=\"" + model + ".onnx\"")
                        .header("X-Model-Version", version)
                        .build());
    }

    @GET
    @Path("/{model}/info")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Checksum and time of the version served (MONAI Label's GET /model/info/{model})")
    public Uni<Response> info(@RestPath String model) {
        return served(model, (version, key) -> {
            ModelStore.Stored stored = store.stored(key);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("checksum", "SHA256:" + stored.sha256());
            out.put("modified_time", stored.modified().getEpochSecond());
            out.put("version", version);
            return Response.ok(out).build();
        });
    }

    /** Answers from the object of the version served, off the event loop. */
    private Uni<Response> served(String model, BiFunction<Integer, String, Response> answer) {
        return Uni.createFrom()
                .item(() -> {
                    Integer version = registry.versions().get(model);
                    if (!app.models().containsKey(model)) {
                        throw new UnknownModelException(model, app.models().keySet());
                    }
                    if (version == null) {
                        throw new ModelNotLoadedException(model);
                    }
                    return answer.apply(version, ModelStore.key(model, version));
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @PUT
    @Path("/{model}")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(
            summary =
                    "Import a model file as the model's next version: ONNX, or a PyTorch checkpoint (.pt) or TorchScript archive (.ts) with MONAI's parameter names for the app's network (checked by loading it)")
    public Uni<Map<String, Object>> importModel(
            @RestPath String model, InputStream body, @Context HttpHeaders headers) {
        String user = headers.getHeaderString(InternalHeaders.USER);
        return Uni.createFrom()
                .item(() -> {
                    java.nio.file.Path file = spool(body);
                    int version;
                    try {
                        version = imports.importModel(model, file, user);
                    } finally {
                        file.toFile().delete();
                    }
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("model", model);
                    out.put("version", version);
                    return out;
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The upload written to a temporary file as it arrives (not held in memory), stopped past the limit. */
    private java.nio.file.Path spool(InputStream body) {
        java.nio.file.Path file;
        try {
            file = Spool.toFile(
                    body,
                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir")),
                    config.maxUploadBytes(),
                    () -> new UploadTooLargeException(
                            InferenceError.MODEL_TOO_LARGE, "the model", config.maxUploadBytes()));
            if (Files.size(file) == 0) {
                Files.delete(file);
                throw new InvalidModelException(
                        "the request body is empty; send the model file's bytes (ONNX, PyTorch .pt or TorchScript .ts)");
            }
        } catch (IOException e) {
            throw new InvalidModelException("the upload broke off: " + e.getMessage());
        }
        return file;
    }
}
