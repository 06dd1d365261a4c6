package org.medlabel.gateway.monai;

import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.Map;
import org.medlabel.gateway.audit.AuditLog;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.auth.Authenticator;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.http.Api;

/** Puts MONAI Label's API on the HTTP router at start-up. */
@Singleton
public class ApiRouter {

    private final GatewayConfig config;
    private final Instance<MonaiRoutes> groups;
    private final Authenticator authenticator;
    private final AuditLog audit;
    private Api api;

    public ApiRouter(GatewayConfig config, Instance<MonaiRoutes> groups, Authenticator authenticator, AuditLog audit) {
        this.config = config;
        this.groups = groups;
        this.authenticator = authenticator;
        this.audit = audit;
    }

    void install(@Observes Router router) {
        api = new Api(
                router,
                config.rootPath(),
                config.publicUrl().orElse(null),
                config.maxFormBytes(),
                authenticator,
                audit);
        groups.forEach(group -> group.register(api));
    }

    /** Every route as {@code METHOD /path}, with who may call it: what the OpenAPI document must describe. */
    public Map<String, Access> routes() {
        return api.routes();
    }
}
