package org.medlabel.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import org.medlabel.platform.http.ServiceHttp;
import org.medlabel.platform.security.InternalIdentity;

/**
 * Where the training service is (imported models get their versions there). Environment overrides:
 * {@code MEDLABEL_INFERENCE_TRAINING_URL} and so on.
 */
@ConfigMapping(prefix = "medlabel.inference.training")
public interface TrainingClientConfig {

    @WithDefault("http://127.0.0.1:8083")
    URI url();

    @WithDefault("2s")
    Duration connectTimeout();

    /** Storing a model (its upload to the object store included). */
    @WithDefault("60s")
    Duration readTimeout();

    static ServiceHttp.Settings settings(TrainingClientConfig config, InternalIdentity identity) {
        return new ServiceHttp.Settings(
                "training", config.url(), config.connectTimeout(), config.readTimeout(), identity);
    }
}
