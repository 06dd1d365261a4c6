package org.medlabel.platform.objectstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medlabel.testinfra.InfraEndpoints;
import org.medlabel.testinfra.TestInfra;

/** Unsigned-payload PUTs against the real S3 server: the bytes arrive intact; bad credentials fail with the status. */
class FileUploaderTest {

    private final MinioClientProducer producer = new MinioClientProducer();

    @Test
    void uploadsAFileThatReadsBackByteForByte(@TempDir Path dir) throws Exception {
        InfraEndpoints infra = TestInfra.endpoints();
        ObjectStoreConfig config =
                ObjectStoreHealthCheckTest.config(infra.s3Endpoint(), infra.s3AccessKey(), "medlabel");
        OkHttpClient http = producer.objectStoreHttp(config);
        MinioClient minio = producer.minioClient(config, http);
        new Bucket(minio, config).ensureExists();
        byte[] bytes = new byte[3 << 20];
        new Random(1).nextBytes(bytes);
        Path file = Files.write(dir.resolve("x.bin"), bytes);
        String key = "uploader-test/" + UUID.randomUUID() + "/a b+c.bin"; // characters a URL must encode
        try {
            new FileUploader(http, minio, config).upload("medlabel", key, file, "application/octet-stream");
            try (InputStream in = minio.getObject(
                    GetObjectArgs.builder().bucket("medlabel").object(key).build())) {
                assertArrayEquals(bytes, in.readAllBytes());
            }
        } finally {
            minio.removeObject(
                    RemoveObjectArgs.builder().bucket("medlabel").object(key).build());
            producer.close(minio);
            producer.close(http);
        }
    }

    @Test
    void refusedCredentialsFailWithTheStatus(@TempDir Path dir) throws Exception {
        InfraEndpoints infra = TestInfra.endpoints();
        ObjectStoreConfig config = ObjectStoreHealthCheckTest.config(infra.s3Endpoint(), "not-a-user", "medlabel");
        OkHttpClient http = producer.objectStoreHttp(config);
        Path file = Files.write(dir.resolve("y.bin"), new byte[10]);
        Exception e = assertThrows(
                Exception.class,
                () -> new FileUploader(http, producer.minioClient(config, http), config)
                        .upload("medlabel", "k", file, "application/octet-stream"));
        assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
    }
}
