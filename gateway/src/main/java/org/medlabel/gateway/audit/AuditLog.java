package org.medlabel.gateway.audit;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.util.Set;
import org.jboss.logging.Logger;
import org.medlabel.gateway.auth.Caller;
import org.medlabel.gateway.http.Api;

/**
 * One structured line (JSON, logger {@code medlabel.audit}) per state-changing request, written when its answer is
 * complete: who (the authenticated user, or nobody when the request was refused before it was known), what (method
 * and route), which ids (path and query parameters), the result (status) and the request id. Logins are recorded with
 * the user name they were for.
 */
@Singleton
public class AuditLog {

    private static final Logger LOG = Logger.getLogger("medlabel.audit");
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    /** Arranges the line for this request, if it may change something. */
    public void record(RoutingContext ctx, String requestId) {
        if (READS.contains(ctx.request().method())) {
            return;
        }
        long start = System.nanoTime();
        ctx.addEndHandler(done -> LOG.info(line(ctx, requestId, start, done.succeeded())));
    }

    private static String line(RoutingContext ctx, String requestId, long start, boolean answered) {
        Caller caller = Api.caller(ctx);
        JsonObject ids = new JsonObject();
        ctx.pathParams().forEach(ids::put);
        ctx.queryParams().forEach(ids::put);
        JsonObject line = new JsonObject()
                .put("audit", ctx.request().method().name() + " " + route(ctx))
                .put("user", caller == null ? null : caller.username())
                .put("ids", ids)
                .put("status", ctx.response().getStatusCode())
                .put("ms", (System.nanoTime() - start) / 1_000_000)
                .put("request_id", requestId);
        String login = ctx.request().getFormAttribute("username");
        if (login != null) {
            // a login names the user it was for (the password is never logged)
            line.put("login", login);
        }
        if (!answered) {
            line.put("connection", "closed before the answer was complete");
        }
        return line.encode();
    }

    private static String route(RoutingContext ctx) {
        String route = ctx.currentRoute() == null ? null : ctx.currentRoute().getPath();
        return route != null ? route : ctx.request().path();
    }
}
