package org.medlabel.datastore.storage;

import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.time.Duration;
import org.jboss.logging.Logger;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.platform.objectstore.Bucket;

/**
 * The datastore's objects in the bucket. Bytes stream between files or clients and the store; nothing holds a whole
 * volume in memory. Every store failure becomes {@link ErrorCode#STORAGE_UNAVAILABLE}.
 */
@ApplicationScoped
public class ObjectStorage {

    private static final Logger LOG = Logger.getLogger(ObjectStorage.class);
    /** MinIO's multipart part size: 16 MiB parts keep memory bounded for any object size. */
    private static final long PART_SIZE = 16L << 20;

    private final MinioClient client;
    private final Bucket bucket;

    public ObjectStorage(MinioClient client, Bucket bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /** Stores {@code file} under {@code key}; the SHA-256 is computed from the bytes as they are sent. */
    public StoredObject put(String key, Path file, String contentType) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), Checksums.sha256())) {
            long size = Files.size(file);
            client.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(key).stream(in, size, PART_SIZE)
                    .contentType(contentType)
                    .build());
            return new StoredObject(key, size, Checksums.hex(in.getMessageDigest()));
        } catch (Exception e) {
            throw unavailable("store " + key, e);
        }
    }

    /** The object's bytes as a stream; the caller closes it. */
    public InputStream get(String key) {
        try {
            return client.getObject(
                    GetObjectArgs.builder().bucket(bucket.name()).object(key).build());
        } catch (Exception e) {
            throw unavailable("read " + key, e);
        }
    }

    /** A URL that reads the object without credentials until it expires. */
    public String presignedGet(String key, Duration expiry) {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Http.Method.GET)
                    .bucket(bucket.name())
                    .object(key)
                    .expiry((int) expiry.toSeconds())
                    .build());
        } catch (Exception e) {
            throw unavailable("presign " + key, e);
        }
    }

    /**
     * Removes an object no metadata refers to any more. Best effort: a failure leaves an orphan object (invisible to
     * clients), never a row without its object.
     */
    public void deleteQuietly(String key) {
        try {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket.name()).object(key).build());
        } catch (Exception e) {
            LOG.warnf("could not remove orphan object %s: %s", key, e.getMessage());
        }
    }

    private static DatastoreException unavailable(String what, Exception e) {
        return new DatastoreException(
                ErrorCode.STORAGE_UNAVAILABLE, "object store: could not " + what + ": " + e.getMessage(), e);
    }
}
