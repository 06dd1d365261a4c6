package org.medlabel.platform.objectstore;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Model versions in the object store: {@code models/<model>/<version>/model.onnx}, the trainable graph (training
 * fine-tunes it; inference optimises it when loading). The store is the truth for which versions exist, so every
 * replica finds the latest one at start-up without a database. Training keeps its checkpoints in the same bucket.
 */
@ApplicationScoped
public class ModelStore {

    private static final Logger LOG = Logger.getLogger(ModelStore.class);
    private static final Pattern VERSION = Pattern.compile("models/[^/]+/(\\d+)/model\\.onnx");

    private final MinioClient client;
    private final Bucket bucket;

    public ModelStore(MinioClient client, Bucket bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    public static String key(String model, int version) {
        return "models/" + model + "/" + version + "/model.onnx";
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
                    .prefix("models/" + model + "/")
                    .recursive(true)
                    .build())) {
                Matcher m = VERSION.matcher(r.get().objectName());
                if (m.matches()) {
                    latest = Math.max(latest, Integer.parseInt(m.group(1)));
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

    /** When the object was stored. */
    public java.time.Instant lastModified(String objectKey) {
        try {
            return client.statObject(io.minio.StatObjectArgs.builder()
                            .bucket(bucket.name())
                            .object(objectKey)
                            .build())
                    .lastModified()
                    .toInstant();
        } catch (Exception e) {
            throw new ModelStoreException("cannot read the metadata of model object " + objectKey, e);
        }
    }

    public void write(String objectKey, byte[] onnx) {
        try {
            client.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(objectKey).stream(
                            new ByteArrayInputStream(onnx), (long) onnx.length, -1L)
                    .contentType("application/octet-stream")
                    .build());
        } catch (Exception e) {
            throw new ModelStoreException("cannot store model object " + objectKey, e);
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
    public static final class ModelStoreException extends RuntimeException {
        public ModelStoreException(String message, Throwable cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }
}
