package org.medlabel.platform.objectstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.minio.RemoveBucketArgs;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.InfraEndpoints;
import org.medlabel.testinfra.TestInfra;

/** Against the real object store of {@link TestInfra}, and against a port where nothing listens. */
class ObjectStoreHealthCheckTest {

    private final MinioClientProducer producer = new MinioClientProducer();

    @Test
    void upWhenTheStoreAnswersAndCreatesAMissingBucket() throws Exception {
        InfraEndpoints infra = TestInfra.endpoints();
        String bucketName = "health-" + UUID.randomUUID();
        ObjectStoreConfig config = config(infra.s3Endpoint(), infra.s3AccessKey(), bucketName);
        MinioClient client = producer.minioClient(config, producer.objectStoreHttp(config));
        try {
            HealthCheckResponse response = new ObjectStoreHealthCheck(new Bucket(client, config), config).call();

            assertEquals(HealthCheckResponse.Status.UP, response.getStatus(), String.valueOf(response.getData()));
            assertEquals("object-store", response.getName());
            assertEquals(bucketName, response.getData().orElseThrow().get("bucket"));
            assertTrue(client.bucketExists(
                    BucketExistsArgs.builder().bucket(bucketName).build()));
            // A second probe finds the bucket and stays UP.
            assertEquals(
                    HealthCheckResponse.Status.UP,
                    new ObjectStoreHealthCheck(new Bucket(client, config), config)
                            .call()
                            .getStatus());
        } finally {
            client.removeBucket(RemoveBucketArgs.builder().bucket(bucketName).build());
            producer.close(client);
        }
    }

    @Test
    void downWithTheReasonWhenNothingListens() throws Exception {
        String endpoint = "http://127.0.0.1:" + closedPort();
        ObjectStoreConfig config = config(endpoint, "minioadmin", "medlabel");
        MinioClient client = producer.minioClient(config, producer.objectStoreHttp(config));
        try {
            HealthCheckResponse response = new ObjectStoreHealthCheck(new Bucket(client, config), config).call();

            assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus());
            assertEquals(endpoint, response.getData().orElseThrow().get("endpoint"));
            String error = String.valueOf(response.getData().orElseThrow().get("error"));
            assertTrue(error.contains("ConnectException"), error);
        } finally {
            producer.close(client);
        }
    }

    @Test
    void downWhenTheCredentialsAreRefused() throws Exception {
        InfraEndpoints infra = TestInfra.endpoints();
        ObjectStoreConfig config = config(infra.s3Endpoint(), "not-a-user", "medlabel");
        MinioClient client = producer.minioClient(config, producer.objectStoreHttp(config));
        try {
            HealthCheckResponse response = new ObjectStoreHealthCheck(new Bucket(client, config), config).call();
            assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus(), String.valueOf(response.getData()));
        } finally {
            producer.close(client);
        }
    }

    static ObjectStoreConfig config(String endpoint, String accessKey, String bucket) {
        InfraEndpoints infra = TestInfra.endpoints();
        return new ObjectStoreConfig() {
            public String endpoint() {
                return endpoint;
            }

            public String accessKey() {
                return accessKey;
            }

            public String secretKey() {
                return infra.s3SecretKey();
            }

            public String bucket() {
                return bucket;
            }

            public String region() {
                return "us-east-1";
            }

            public Duration connectTimeout() {
                return Duration.ofSeconds(2);
            }
        };
    }

    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
