package org.medlabel.training.task;

import static org.medlabel.platform.http.ServiceHttp.query;
import static org.medlabel.platform.http.ServiceHttp.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;
import java.util.Map;
import org.medlabel.platform.http.Multipart;
import org.medlabel.platform.http.ServiceHttp;

/**
 * The inference service's API, as the image tasks use it: the models it serves, an inference on a datastore image
 * (MONAI Label's multipart answer: result JSON and label file), an epistemic score. Inference queues these behind
 * nothing special: a task sends one image at a time, so interactive requests keep their place.
 */
public final class InferenceClient {

    /** A served model: its type and version. */
    public record Model(String type, int version) {}

    /** {@code GET /models}: what the tasks read of it. */
    public record Models(Map<String, Model> models) {}

    /** An inference's result JSON and label file. */
    public record Result(Map<String, Object> json, String fileName, byte[] label) {}

    private final ServiceHttp http;

    public InferenceClient(ServiceHttp.Settings settings) {
        this.http = new ServiceHttp(settings);
    }

    public Map<String, Model> models() {
        Map<String, Model> models =
                http.getJson("/models", new TypeReference<Models>() {}).models();
        return models == null ? Map.of() : models;
    }

    /** Infers {@code image} with {@code params} (MONAI Label's infer params) and returns result and label. */
    public Result infer(String model, String image, Map<String, Object> params) {
        Multipart body;
        try {
            body = Multipart.create().field("params", ServiceHttp.JSON.writeValueAsString(params));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("params are not JSON: " + e.getMessage(), e);
        }
        ServiceHttp.Answer answer = http.send(
                "POST",
                ServiceHttp.path("/infer/" + segment(model), query("image", image, "output", "all")),
                body.contentType(),
                body.end(),
                null);
        List<Multipart.Part> parts = Multipart.parse(answer.contentType(), answer.body());
        Multipart.Part json = Multipart.field(parts, "params")
                .orElseThrow(() -> new IllegalStateException("the inference answer has no params part"));
        Multipart.Part file = Multipart.file(parts)
                .orElseThrow(() -> new IllegalStateException("the inference answer has no label file"));
        return new Result(
                http.read(json.data(), new TypeReference<Map<String, Object>>() {}), file.filename(), file.data());
    }

    /** The image's epistemic score by the version served now: {@code epistemic_entropy}, {@code epistemic_ts}. */
    public Map<String, Object> epistemic(String model, String image, int samples) {
        String path = ServiceHttp.path(
                "/scoring/" + segment(model) + "/epistemic", query("image", image, "samples", samples));
        return http.read(http.send("POST", path, null, null, null), new TypeReference<Map<String, Object>>() {});
    }
}
