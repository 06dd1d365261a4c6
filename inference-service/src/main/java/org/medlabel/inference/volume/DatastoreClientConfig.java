package org.medlabel.inference.volume;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.security.InternalIdentity;

/** Where the datastore-service is. Environment overrides: {@code MEDLABEL_INFERENCE_DATASTORE_URL} and so on. */
@ConfigMapping(prefix = "medlabel.inference.datastore")
public interface DatastoreClientConfig {

    /** Base URL of the datastore's own REST API (not the gateway's). */
    @WithDefault("http://127.0.0.1:8081")
    URI url();

    @WithDefault("2s")
    Duration connectTimeout();

    /**
     * How long to wait for the response headers. The JDK client has no per-read timeout, so a body that stalls after
     * its headers is not cut off by this.
     */
    @WithDefault("60s")
    Duration readTimeout();

    /** The shared client's settings from these. */
    static ServiceHttp.Settings settings(DatastoreClientConfig config, InternalIdentity identity) {
        return new ServiceHttp.Settings(
                "datastore", config.url(), config.connectTimeout(), config.readTimeout(), identity);
    }
}
