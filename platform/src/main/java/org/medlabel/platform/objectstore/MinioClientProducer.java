package org.medlabel.platform.objectstore;

import io.minio.MinioClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import okhttp3.OkHttpClient;

/**
 * Builds the one MinIO client a service uses, and the HTTP client under it, whose pool all object-store requests share
 * ({@link FileUploader} sends its PUTs through it too).
 */
@ApplicationScoped
public class MinioClientProducer {

    /** Reads and writes stream whole volumes; only a stalled peer should hit this. */
    private static final Duration IO_TIMEOUT = Duration.ofMinutes(5);

    @Produces
    @Singleton
    OkHttpClient objectStoreHttp(ObjectStoreConfig config) {
        return new OkHttpClient.Builder()
                .connectTimeout(config.connectTimeout())
                .readTimeout(IO_TIMEOUT)
                .writeTimeout(IO_TIMEOUT)
                .build();
    }

    @Produces
    @Singleton
    MinioClient minioClient(ObjectStoreConfig config, OkHttpClient http) {
        return MinioClient.builder()
                .endpoint(config.endpoint())
                .credentials(config.accessKey(), config.secretKey())
                .region(config.region())
                .httpClient(http, false)
                .build();
    }

    void close(@Disposes MinioClient client) throws Exception {
        client.close();
    }

    void close(@Disposes OkHttpClient http) {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
