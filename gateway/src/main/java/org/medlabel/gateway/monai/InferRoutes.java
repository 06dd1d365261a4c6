package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * {@code POST /infer/{model}}: the client's multipart body ({@code params}, {@code file}) streams to the inference
 * service, with the image named by {@code image} or {@code session_id}, and its answer (MONAI Label's JSON, label file
 * or multipart) streams back unchanged. A result tells training which model is in use.
 */
@Singleton
public class InferRoutes implements MonaiRoutes {

    private static final Logger LOG = Logger.getLogger(InferRoutes.class);
    private static final long NOTE_EVERY_NANOS = 60_000_000_000L;

    private final Upstreams services;
    private final InfoComposer info;
    /** When each model's use was last reported (models only: a result came back for it). */
    private final Map<String, Long> noted = new ConcurrentHashMap<>();

    public InferRoutes(Upstreams services, InfoComposer info) {
        this.services = services;
        this.info = info;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.POST, "/infer/:model", Access.USER, Api.Body.STREAM, call -> {
            String output = call.query("output");
            boolean seg = "dicom_seg".equals(output);
            String image = call.query("image");
            if (seg && (image == null || image.isEmpty())) {
                throw ApiError.unprocessable("output=dicom_seg needs 'image', a DICOM image of the datastore");
            }
            var out = call.to(HttpMethod.POST, "/infer/{}", call.path("model"))
                    .query("image", image)
                    .query("output", seg ? "image" : output)
                    .query("session_id", call.query("session_id"));
            String model = call.path("model");
            return call.open(services.inference(), out).flatMap(answer -> {
                if (answer.statusCode() == 200) {
                    noteUse(model);
                }
                return seg && answer.statusCode() == 200 ? asSeg(call, model, image, answer) : call.relay(answer);
            });
        });
    }

    /**
     * MONAI Label's {@code output=dicom_seg}: the label the inference answered, written by the datastore as a DICOM SEG
     * of the image's series (a PACS series or a DICOM upload), its segments named by the model's labels.
     */
    private Uni<Void> asSeg(Call call, String model, String image, HttpClientResponse label) {
        String disposition = label.getHeader("Content-Disposition");
        String name = disposition != null && disposition.contains("filename=\"")
                ? disposition.replaceAll(".*filename=\"([^\"]+)\".*", "$1")
                : "label.nii.gz";
        Uni<Buffer> bytes =
                Uni.createFrom().completionStage(() -> label.resume().body().toCompletionStage());
        return Uni.combine().all().unis(bytes, info.info()).asTuple().flatMap(t -> {
            Object labels = t.getItem2()
                    .getJsonObject("models", new JsonObject())
                    .getJsonObject(model, new JsonObject())
                    .getValue("labels");
            JsonObject names = new JsonObject();
            if (labels instanceof JsonObject byName) {
                names = byName;
            } else if (labels instanceof JsonArray list) {
                for (int i = 0; i < list.size(); i++) {
                    names.put(list.getString(i), i + 1);
                }
            }
            Outgoing toSeg = call.to(HttpMethod.POST, "/images/{}/dicom-seg", image)
                    .query("name", name)
                    .query("labels", names.encode())
                    .body(t.getItem1(), "application/octet-stream");
            return call.pass(services.datastore(), toSeg);
        });
    }

    /**
     * Tells training which model annotators use, so its automatic jobs train that one first: at most once a minute per
     * model, never waited for, a failure only logged (it orders work, it decides nothing).
     */
    private void noteUse(String model) {
        long now = System.nanoTime();
        Long last = noted.get(model);
        if (last != null && now - last < NOTE_EVERY_NANOS) {
            return;
        }
        noted.put(model, now);
        services.training()
                .call(Outgoing.to(HttpMethod.PUT, "/models/{}/used", model))
                .subscribe()
                .with(
                        reply -> {
                            if (!reply.ok()) {
                                LOG.debugf("training did not take the use of %s: HTTP %d", model, reply.status());
                            }
                        },
                        e -> LOG.debugf("training did not hear of the use of %s: %s", model, e.getMessage()));
    }
}
