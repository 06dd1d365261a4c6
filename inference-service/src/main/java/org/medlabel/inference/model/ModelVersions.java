package org.medlabel.inference.model;

import com.fasterxml.jackson.core.type.TypeReference;
import org.medlabel.platform.http.ServiceHttp;

/**
 * The training service's model-version door: an imported model gets its version number there, under the same lock as
 * trained versions, and is announced through the same outbox ({@code ModelPublished}, re-sent until Kafka has it).
 */
public final class ModelVersions {

    /** What training answers: the version the model was stored as. */
    record Stored(String model, int version) {}

    private final ServiceHttp http;

    public ModelVersions(ServiceHttp.Settings settings) {
        this.http = new ServiceHttp(settings);
    }

    /** Stores {@code onnx} as the model's next version for {@code user} (null: unknown) and announces it. */
    public int store(String model, byte[] onnx, String user) {
        ServiceHttp.Answer answer = http.send(
                "POST",
                "/models/" + ServiceHttp.segment(model) + "/versions",
                "application/octet-stream",
                onnx,
                null,
                user);
        return http.read(answer, new TypeReference<Stored>() {}).version();
    }
}
