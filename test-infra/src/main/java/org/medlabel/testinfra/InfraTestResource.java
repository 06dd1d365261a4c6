package org.medlabel.testinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at {@link TestInfra}'s PostgreSQL, Kafka and S3. Use it with
 * {@code @WithTestResource(InfraTestResource.class)}. The infrastructure is shared by every test in the JVM, so
 * {@link #stop()} leaves it running.
 */
public class InfraTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return TestInfra.endpoints().asQuarkusConfig();
    }

    @Override
    public void stop() {}
}
