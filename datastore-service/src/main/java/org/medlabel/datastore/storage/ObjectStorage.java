package org.medlabel.datastore.storage;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.platform.objectstore.Bucket;
import org.medlabel.platform.objectstore.FileUploader;

/**
 * The datastore's objects in the bucket. Bytes stream between files or clients and the store; nothing holds a whole
 * volume in memory. Every store failure becomes {@link ErrorCode#STORAGE_UNAVAILABLE}.
 */
@ApplicationScoped
public class ObjectStorage {

    private static final Logger LOG = Logger.getLogger(ObjectStorage.class);
    /** Objects up to this size are sent in one PUT (S3 allows 5 GiB); multipart uploads cost S3 servers a copy. */
    private static final long SINGLE_PUT_LIMIT = 1L << 30;
    /** Part size of larger objects, and S3's minimum part size. */
    private static final long PART_SIZE = 64L << 20;

    private static final long MIN_PART = 5L << 20;

    private final MinioClient client;
    private final FileUploader uploader;
    private final Bucket bucket;

    public ObjectStorage(MinioClient client, FileUploader uploader, Bucket bucket) {
        this.client = client;
        this.uploader = uploader;
        this.bucket = bucket;
    }

    /**
     * Stores {@code file} under {@code key}, streamed from disk ({@link FileUploader}); its SHA-256 is computed from
     * the same file meanwhile, on another thread.
     */
    public StoredObject put(String key, Path file, String contentType) {
        try {
            CompletableFuture<String> sha256 = CompletableFuture.supplyAsync(() -> {
                try {
                    return Checksums.sha256(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            uploader.upload(bucket.name(), key, file, contentType);
            return new StoredObject(key, Files.size(file), sha256.get());
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

    /** Every key under {@code prefix}, in key order. */
    public List<String> list(String prefix) {
        try {
            List<String> keys = new ArrayList<>();
            for (Result<Item> item : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket.name())
                    .prefix(prefix)
                    .recursive(true)
                    .build())) {
                keys.add(item.get().objectName());
            }
            return keys;
        } catch (Exception e) {
            throw unavailable("list " + prefix, e);
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
