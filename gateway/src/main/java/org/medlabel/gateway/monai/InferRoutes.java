package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.ApiError;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * {@code POST /infer/{model}}: the client's multipart body ({@code params}, {@code file}) streams to the inference
 * service, with the image named by {@code image} or {@code session_id}, and its answer (MONAI Label's JSON, label file
 * or multipart) streams back unchanged.
 */
@Singleton
public class InferRoutes implements MonaiRoutes {

    private final Upstreams services;

    public InferRoutes(Upstreams services) {
        this.services = services;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.POST, "/infer/:model", Api.Body.STREAM, call -> {
            String output = call.query("output");
            if ("dicom_seg".equals(output)) {
                throw ApiError.unprocessable(
                        "output=dicom_seg needs a DICOMweb datastore; this server returns json, image or all");
            }
            var out = call.to(HttpMethod.POST, "/infer/{}", call.path("model"))
                    .query("image", call.query("image"))
                    .query("output", output)
                    .query("session_id", call.query("session_id"));
            return call.forward(services.inference(), out);
        });
    }
}
