package org.medlabel.gateway.monai;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.medlabel.gateway.auth.Access;
import org.medlabel.gateway.config.DicomWebConfig;
import org.medlabel.gateway.config.GatewayConfig;
import org.medlabel.gateway.error.ApiError;
import org.medlabel.gateway.http.Api;
import org.medlabel.gateway.http.Call;
import org.medlabel.gateway.upstream.Outgoing;
import org.medlabel.gateway.upstream.Upstream;

/**
 * MONAI Label's DICOMweb pass-through for OHIF ({@code /proxy/dicom/{qido,wado,stow}/...}): requests go to the
 * configured PACS with its own credentials (never the caller's token), answers stream back with the PACS's status and
 * headers. Unlike MONAI Label, the query string is passed on (OHIF's QIDO searches and paging live there); as there,
 * a QIDO path ending in {@code metadata} (a WADO-RS resource) takes the WADO prefix.
 */
@Singleton
public class ProxyRoutes implements MonaiRoutes {

    static final String ROOT = "/proxy/dicom";

    private final DicomWebConfig config;
    private final Upstream pacs;

    public ProxyRoutes(DicomWebConfig config, GatewayConfig gateway, Vertx vertx) {
        this.config = config;
        this.pacs = config.url()
                .map(url -> Upstream.external("PACS", url, vertx, gateway.calls(), authorization(config)))
                .orElse(null);
    }

    private static String authorization(DicomWebConfig config) {
        return config.username()
                .map(user -> "Basic "
                        + Base64.getEncoder()
                                .encodeToString(
                                        (user + ":" + config.password().orElse("")).getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
    }

    @Override
    public void register(Api api) {
        Map<String, Optional<String>> kinds =
                Map.of("/qido", config.qidoPrefix(), "/wado", config.wadoPrefix(), "/stow", config.stowPrefix());
        for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.POST}) {
            kinds.forEach((kind, prefix) -> api.routeTree(
                    method, ROOT + kind, Access.USER, Api.Body.STREAM, call -> forward(call, ROOT + kind, prefix)));
            api.routeTree(method, ROOT, Access.USER, Api.Body.STREAM, call -> forward(call, ROOT, Optional.empty()));
        }
    }

    private Uni<Void> forward(Call call, String route, Optional<String> prefix) {
        if (pacs == null) {
            throw ApiError.notFound("no DICOMweb server is configured (MEDLABEL_DICOMWEB_URL)");
        }
        String tail = call.pathAfter(route);
        String resource = tail.contains("?") ? tail.substring(0, tail.indexOf('?')) : tail;
        if (route.endsWith("/qido") && resource.endsWith("metadata")) {
            prefix = config.wadoPrefix();
        }
        String path = prefix.map(p -> "/" + p.replaceAll("^/+|/+$", ""))
                        .filter(p -> p.length() > 1)
                        .orElse("")
                + "/" + tail;
        Outgoing out =
                call.to(call.method(), path).header("Accept", call.headers().get("Accept"));
        return call.forward(pacs, out);
    }

    @PreDestroy
    void close() {
        if (pacs != null) {
            pacs.close();
        }
    }
}
