package org.medlabel.platform.objectstore;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready when the object store answers and the bucket exists (or could be created). */
@Readiness
@ApplicationScoped
public class ObjectStoreHealthCheck implements HealthCheck {

    static final String NAME = "object-store";

    private final Bucket bucket;
    private final String endpoint;

    public ObjectStoreHealthCheck(Bucket bucket, ObjectStoreConfig config) {
        this.bucket = bucket;
        this.endpoint = config.endpoint();
    }

    @Override
    public HealthCheckResponse call() {
        var response =
                HealthCheckResponse.named(NAME).withData("endpoint", endpoint).withData("bucket", bucket.name());
        try {
            bucket.ensureExists();
            return response.up().build();
        } catch (Exception e) {
            return response.down()
                    .withData("error", e.getClass().getSimpleName() + ": " + e.getMessage())
                    .build();
        }
    }
}
