package org.medlabel.gateway.monai;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstreams;

/**
 * Automatic scoring's triggers (a next sample, the segmentation versions served), reported to the training service,
 * which decides (auto-update on, something outdated, no scoring active) and runs it. Fire and forget: the client's
 * answer never waits for it.
 */
final class AutoScoring {

    private static final Logger LOG = Logger.getLogger(AutoScoring.class);

    private AutoScoring() {}

    static void report(Upstreams services, JsonObject trigger) {
        services.training()
                .call(Outgoing.to(HttpMethod.POST, "/tasks/scoring-auto").json(Buffer.buffer(trigger.encode())))
                .subscribe()
                .with(
                        reply -> {
                            if (!reply.ok()) {
                                LOG.debugf("automatic scoring trigger answered %d", reply.status());
                            }
                        },
                        e -> LOG.debugf("automatic scoring trigger failed: %s", e.toString()));
    }
}
