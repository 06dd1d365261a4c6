package org.medlabel.testinfra;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Assertions on a service's own database schema. */
public final class SchemaAssertions {

    private SchemaAssertions() {}

    /** Flyway applied the given migration version successfully in the service's schema. */
    public static void assertMigrationApplied(DataSource dataSource, String schema, String version)
            throws SQLException {
        String sql = "SELECT count(*) FROM " + schema + ".flyway_schema_history WHERE success AND version = ?";
        try (Connection c = dataSource.getConnection();
                PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setString(1, version);
            try (ResultSet rs = statement.executeQuery()) {
                assertTrue(rs.next() && rs.getInt(1) == 1, "migration " + version + " not applied in schema " + schema);
            }
        }
    }
}
