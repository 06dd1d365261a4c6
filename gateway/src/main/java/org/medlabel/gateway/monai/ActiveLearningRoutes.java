package org.medlabel.gateway.monai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Singleton;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * {@code POST /activelearning/{strategy}}: the datastore picks the next unlabeled image (and records who got it);
 * the answer gains MONAI Label's {@code path}, here the image's download URL, which no client finds on its disk, so
 * 3D Slicer downloads it by id under its {@code name}. A next sample brings the epistemic scores up to date when
 * scoring's auto-update is on.
 */
@Singleton
public class ActiveLearningRoutes implements MonaiRoutes {

    private final Upstreams services;

    public ActiveLearningRoutes(Upstreams services) {
        this.services = services;
    }

    @Override
    public void register(Api api) {
        api.route(HttpMethod.POST, "/activelearning/:strategy", Access.USER, Api.Body.BUFFER, call -> {
            JsonObject body = JsonBodies.object(call.body());
            var out = call.to(HttpMethod.POST, "/strategies/{}/next", call.path("strategy"))
                    .json(Buffer.buffer(body.encode()));
            return services.datastore()
                    .call(out)
                    .flatMap(reply -> call.reshape(reply, r -> {
                        JsonObject next = r.json();
                        if (next.containsKey("id")) {
                            next.put("path", DatastoreRoutes.imageUrl(call, next.getString("id")));
                        }
                        AutoScoring.report(services, new JsonObject().put("reason", "next sample"));
                        return call.ok(next);
                    }));
        });
    }
}
