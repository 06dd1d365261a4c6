package org.medlabel.platform.objectstore;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * The service's bucket. It is created at start-up when missing; when the store is down then, readiness keeps trying,
 * so a service started before its object store becomes ready on its own once the store is up.
 */
@ApplicationScoped
public class Bucket {

    private static final Logger LOG = Logger.getLogger(Bucket.class);

    private final MinioClient client;
    private final String name;

    public Bucket(MinioClient client, ObjectStoreConfig config) {
        this.client = client;
        this.name = config.bucket();
    }

    public String name() {
        return name;
    }

    void onStart(@Observes StartupEvent event) {
        try {
            ensureExists();
        } catch (Exception e) {
            LOG.warnf("object store not reachable at start-up (%s); readiness will retry", e.getMessage());
        }
    }

    /**
     * Makes sure the bucket exists, creating it if needed.
     *
     * @throws Exception when the object store cannot be reached or refuses
     */
    public void ensureExists() throws Exception {
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(name).build())) {
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(name).build());
                LOG.infof("created bucket %s", name);
            } catch (ErrorResponseException e) {
                // Another replica created it between our check and our create.
                if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())) {
                    throw e;
                }
            }
        }
    }
}
