package org.medlabel.inference.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.medlabel.inference.config.InferenceConfig;
import org.medlabel.inference.error.InferenceError;
import org.medlabel.inference.pipeline.InvalidRequestException;
import org.medlabel.inference.service.InferenceResult;
import org.medlabel.inference.service.InferenceService;

/**
 * {@code POST /infer/{model}}: MONAI Label's inference request (query {@code image}, {@code session_id},
 * {@code output}; form fields
 * {@code params} as a JSON string and an optional {@code file}), answered with the result JSON, the label file, or
 * both as MONAI Label's multipart ({@code params} part, then {@code image} part with a bare file name).
 */
@Path("/infer")
public class InferResource {

    /** params arrive as a form field; nothing a client sends legitimately comes near this. */
    static final int MAX_PARAMS_CHARS = 65_536;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final InferenceService inference;
    private final InferenceConfig config;

    public InferResource(InferenceService inference, InferenceConfig config) {
        this.config = config;
        this.inference = inference;
    }

    @POST
    @Path("/{model}")
    @Operation(summary = "Run a model on a datastore image or an uploaded file")
    public Uni<Response> infer(
            @RestPath String model,
            @RestQuery String image,
            @RestQuery String output,
            @RestQuery("session_id") String sessionId,
            @RestForm("params") String params,
            @RestForm("file") FileUpload file) {
        if (file != null && file.size() > config.maxUploadBytes()) {
            throw new UploadTooLargeException(
                    InferenceError.IMAGE_TOO_LARGE, "the uploaded image", config.maxUploadBytes());
        }
        InferenceService.Output wanted = output(output);
        InferenceService.ImageInput input = new InferenceService.ImageInput(
                image, file == null ? null : file.uploadedFile(), file == null ? null : file.fileName(), sessionId);
        return inference.infer(model, input, params(params), wanted).map(result -> respond(result, wanted));
    }

    static InferenceService.Output output(String output) {
        if (output == null || output.isBlank()) {
            return InferenceService.Output.ALL;
        }
        try {
            return InferenceService.Output.valueOf(output.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("output must be json, image or all, was '" + output + "'");
        }
    }

    static Map<String, Object> params(String params) {
        if (params == null || params.isBlank()) {
            return Map.of();
        }
        if (params.length() > MAX_PARAMS_CHARS) {
            throw new InvalidRequestException(
                    "params is " + params.length() + " characters; at most " + MAX_PARAMS_CHARS + " are accepted");
        }
        try {
            Map<String, Object> parsed = JSON.readValue(params, new TypeReference<>() {});
            if (parsed == null) {
                throw new InvalidRequestException("params must be a JSON object");
            }
            return parsed;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRequestException("params must be a JSON object: " + e.getOriginalMessage());
        }
    }

    /** The version of the model that made an {@code output=image} result. */
    static final String MODEL_VERSION_HEADER = "X-Model-Version";

    private static Response respond(InferenceResult result, InferenceService.Output wanted) {
        if (wanted == InferenceService.Output.JSON || result.file() == null) {
            return Response.ok(result.json(), MediaType.APPLICATION_JSON).build();
        }
        String name = result.file().getFileName().toString();
        if (wanted == InferenceService.Output.IMAGE) {
            StreamingOutput body = out -> {
                try {
                    Files.copy(result.file(), out);
                } finally {
                    InferenceService.discard(result);
                }
            };
            // the file alone carries no result JSON: the version that made it goes in a header (the CLI prints it)
            return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM)
                    .header("Content-Disposition", "attachment; filename=\"" + name + "\"")
                    .header(MODEL_VERSION_HEADER, result.json().get("model_version"))
                    .build();
        }
        String boundary = HexFormat.of().formatHex(RANDOM.generateSeed(16));
        StreamingOutput body = out -> {
            try {
                multipart(out, boundary, JSON.writeValueAsBytes(result.json()), result.file(), name);
            } finally {
                InferenceService.discard(result);
            }
        };
        return Response.ok(body, "multipart/form-data; boundary=" + boundary).build();
    }

    /** MONAI Label's framing: {@code --B\r\n<headers>\r\n\r\n<data>\r\n} per part, then {@code --B--\r\n}. */
    private static void multipart(OutputStream out, String boundary, byte[] json, java.nio.file.Path file, String name)
            throws IOException {
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"params\"\r\n"
                        + "Content-Type: application/json\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.write(json);
        out.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                        + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        Files.copy(file, out);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    }
}
