package org.medlabel.testinfra;

import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.enterprise.inject.spi.CDI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** {@link ServiceOperationsContract} for a service that owns a PostgreSQL schema, migrated by Flyway at start-up. */
public abstract class DatabaseServiceOperationsContract extends ServiceOperationsContract {

    /** The schema the service owns. */
    protected abstract String schema();

    @Override
    protected String[] readinessChecks() {
        return new String[] {"Database connections health check", "kafka", "object-store"};
    }

    @Test
    void migratesItsOwnSchemaAtStartUp() throws SQLException {
        DataSource dataSource = CDI.current().select(DataSource.class).get();
        String sql = "SELECT count(*) FROM " + schema() + ".flyway_schema_history WHERE success AND version = '1'";
        try (Connection c = dataSource.getConnection();
                PreparedStatement statement = c.prepareStatement(sql);
                ResultSet rs = statement.executeQuery()) {
            assertTrue(rs.next() && rs.getInt(1) == 1, "migration 1 not applied in schema " + schema());
        }
    }
}
