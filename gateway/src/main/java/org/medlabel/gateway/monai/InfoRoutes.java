package org.medlabel.gateway.monai;

import io.vertx.core.http.HttpMethod;
import jakarta.inject.Singleton;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.http.Api;

/** {@code GET /info/}. */
@Singleton
public class InfoRoutes implements MonaiRoutes {

    private final InfoComposer info;

    public InfoRoutes(InfoComposer info) {
        this.info = info;
    }

    @Override
    public void register(Api api) {
        api.route(
                HttpMethod.GET,
                "/info/",
                Access.USER,
                Api.Body.NONE,
                call -> info.info().flatMap(call::ok));
    }
}
