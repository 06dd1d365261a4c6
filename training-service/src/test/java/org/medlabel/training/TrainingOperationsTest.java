package org.medlabel.training;

import static org.medlabel.testinfra.OperationalEndpoints.assertReadyWith;
import static org.medlabel.testinfra.OperationalEndpoints.assertServesMetrics;
import static org.medlabel.testinfra.OperationalEndpoints.assertServesOpenApi;
import static org.medlabel.testinfra.SchemaAssertions.assertMigrationApplied;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.InfraTestResource;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class TrainingOperationsTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void readyWithItsDatabaseKafkaAndObjectStore() {
        assertReadyWith("Database connections health check", "kafka", "object-store");
    }

    @Test
    void migratesItsOwnSchemaAtStartUp() throws SQLException {
        assertMigrationApplied(dataSource, "training", "1");
    }

    @Test
    void servesOpenApiAndMetrics() {
        assertServesOpenApi("MedLabel training-service");
        assertServesMetrics();
    }
}
