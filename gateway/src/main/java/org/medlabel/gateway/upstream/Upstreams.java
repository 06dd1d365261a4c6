package org.medlabel.gateway.upstream;

import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.gateway.config.GatewayConfig;

/** The three internal services, each with its own connection pool and circuit breaker. */
@Singleton
public class Upstreams {

    private final Map<String, Upstream> byName = new LinkedHashMap<>();

    public Upstreams(GatewayConfig config, Vertx vertx) {
        for (String name : new String[] {"datastore", "inference", "training"}) {
            GatewayConfig.Service service = config.services().get(name);
            if (service == null) {
                throw new IllegalStateException("medlabel.gateway.services." + name + ".url is not set");
            }
            byName.put(name, new Upstream(name, service.url(), vertx, config.calls()));
        }
    }

    public Upstream datastore() {
        return byName.get("datastore");
    }

    public Upstream inference() {
        return byName.get("inference");
    }

    public Upstream training() {
        return byName.get("training");
    }

    @PreDestroy
    void close() {
        byName.values().forEach(Upstream::close);
    }
}
