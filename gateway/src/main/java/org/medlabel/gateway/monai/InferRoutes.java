package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
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
    /** When each model's use was last reported (models only: a result came back for it). */
    private final Map<String, Long> noted = new ConcurrentHashMap<>();

    public InferRoutes(Upstreams services) {
        this.services = services;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.POST, "/infer/:model", Access.USER, Api.Body.STREAM, call -> {
            String output = call.query("output");
            if ("dicom_seg".equals(output)) {
                throw ApiError.unprocessable(
                        "output=dicom_seg needs a DICOMweb datastore; this server returns json, image or all");
            }
            var out = call.to(HttpMethod.POST, "/infer/{}", call.path("model"))
                    .query("image", call.query("image"))
                    .query("output", output)
                    .query("session_id", call.query("session_id"));
            String model = call.path("model");
            return call.open(services.inference(), out).flatMap(answer -> {
                if (answer.statusCode() == 200) {
                    noteUse(model);
                }
                return call.relay(answer);
            });
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
