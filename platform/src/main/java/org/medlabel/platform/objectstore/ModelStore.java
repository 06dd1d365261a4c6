package org.medlabel.platform.objectstore;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Item;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalInt;
import org.jboss.logging.Logger;
import org.medlabel.platform.error.CodedError;
import org.medlabel.platform.error.PlatformError;

/**
 * Model versions in the object store: {@code models/<model>/<version>/model.onnx}, the trainable graph (training
 * fine-tunes it; inference optimises it when loading). The store is the truth for which versions exist, so every
 * replica finds the latest one at start-up without a database. Training keeps its checkpoints in the same bucket.
 */
@ApplicationScoped
public class ModelStore {

    private static final Logger LOG = Logger.getLogger(ModelStore.class);

    /** The user metadata key of a model object's checksum. */
    private static final String SHA256 = "sha256";

    private final MinioClient client;
    private final Bucket bucket;

    public ModelStore(MinioClient client, Bucket bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    public static String key(String model, int version) {
        return BucketLayout.model(model, version);
    }

    /** Creates the bucket when missing (a fresh store: the models are loaded before the bucket's own start-up hook). */
    public void prepare() {
        try {
            bucket.ensureExists();
        } catch (Exception e) {
            throw new ModelStoreException("the object store's bucket is not available", e);
        }
    }

    /** The highest stored version of {@code model}, if any. */
    public OptionalInt latestVersion(String model) {
        int latest = -1;
        try {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket.name())
                    .prefix(BucketLayout.modelVersions(model))
                    .recursive(true)
                    .build())) {
                OptionalInt version = BucketLayout.modelVersion(r.get().objectName());
                if (version.isPresent()) {
                    latest = Math.max(latest, version.getAsInt());
                }
            }
        } catch (Exception e) {
            throw new ModelStoreException("cannot list the versions of model '" + model + "'", e);
        }
        return latest < 0 ? OptionalInt.empty() : OptionalInt.of(latest);
    }

    public byte[] read(String objectKey) {
        try (InputStream in = client.getObject(
                GetObjectArgs.builder().bucket(bucket.name()).object(objectKey).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new ModelStoreException("cannot read model object " + objectKey, e);
        }
    }

    /** A stored model's checksum (SHA-256, hex) and when it was stored. */
    public record Stored(String sha256, Instant modified) {}

    /**
     * The checksum written with the object, and its time; an object stored without one (before checksums were kept)
     * is hashed once here.
     */
    public Stored stored(String objectKey) {
        StatObjectResponse stat;
        try {
            stat = client.statObject(StatObjectArgs.builder()
                    .bucket(bucket.name())
                    .object(objectKey)
                    .build());
        } catch (Exception e) {
            throw new ModelStoreException("cannot read the metadata of model object " + objectKey, e);
        }
        var recorded = stat.userMetadata().get(SHA256);
        String sha256 = recorded == null || recorded.isEmpty()
                ? sha256(read(objectKey))
                : recorded.iterator().next();
        return new Stored(sha256, stat.lastModified().toInstant());
    }

    /** Stores a model with its checksum (computed once, here). */
    public void write(String objectKey, byte[] onnx) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(objectKey).stream(
                            new ByteArrayInputStream(onnx), (long) onnx.length, -1L)
                    .contentType("application/octet-stream")
                    .userMetadata(Map.of(SHA256, sha256(onnx)))
                    .build());
        } catch (Exception e) {
            throw new ModelStoreException("cannot store model object " + objectKey, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes an object (a finished job's checkpoint); a failure is only logged, the object is garbage. */
    public void deleteQuietly(String objectKey) {
        try {
            client.removeObject(RemoveObjectArgs.builder()
                    .bucket(bucket.name())
                    .object(objectKey)
                    .build());
        } catch (Exception e) {
            LOG.warnf("could not delete %s: %s", objectKey, e.getMessage());
        }
    }

    /** The object store failed (the service answers 503). */
    public static final class ModelStoreException extends RuntimeException implements CodedError {
        public ModelStoreException(String message, Throwable cause) {
            super(message + ": " + cause.getMessage(), cause);
        }

        @Override
        public PlatformError code() {
            return PlatformError.STORAGE_UNAVAILABLE;
        }
    }
}
