package org.medlabel.gateway.monai;

import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.util.Set;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.http.Api;

/** Puts MONAI Label's API on the HTTP router at start-up. */
@Singleton
public class ApiRouter {

    private final GatewayConfig config;
    private final Instance<MonaiRoutes> groups;
    private Api api;

    public ApiRouter(GatewayConfig config, Instance<MonaiRoutes> groups) {
        this.config = config;
        this.groups = groups;
    }

    void install(@Observes Router router) {
        api = new Api(router, config.rootPath(), config.publicUrl().orElse(null), config.maxFormBytes());
        groups.forEach(group -> group.register(api));
    }

    /** Every route as {@code METHOD /path}: what the OpenAPI document must describe. */
    public Set<String> routes() {
        return api.routes();
    }
}
