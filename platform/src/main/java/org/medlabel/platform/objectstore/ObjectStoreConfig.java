package org.medlabel.platform.objectstore;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Where the S3-compatible object store is (MinIO, S3Proxy or AWS). Environment overrides: {@code MEDLABEL_S3_ENDPOINT},
 * {@code MEDLABEL_S3_ACCESS_KEY}, {@code MEDLABEL_S3_SECRET_KEY}, {@code MEDLABEL_S3_BUCKET}, {@code MEDLABEL_S3_REGION}.
 */
@ConfigMapping(prefix = "medlabel.s3")
public interface ObjectStoreConfig {

    /** Base URL of the S3 API, e.g. {@code http://127.0.0.1:19000}. */
    @WithDefault("http://127.0.0.1:19000")
    String endpoint();

    @WithDefault("minioadmin")
    String accessKey();

    @WithDefault("minioadmin")
    String secretKey();

    /** The one bucket that holds images, labels, models and sessions; created at start-up when missing. */
    @WithDefault("medlabel")
    String bucket();

    @WithDefault("us-east-1")
    String region();

    /** Connect timeout, and the time a readiness probe may take. */
    @WithDefault("2s")
    Duration connectTimeout();
}
