package org.medlabel.testinfra;

import java.net.URI;
import java.util.Map;

/** How to reach the three back-end dependencies a test runs against. */
public record InfraEndpoints(
        String jdbcUrl,
        String dbUser,
        String dbPassword,
        String kafkaBootstrapServers,
        String s3Endpoint,
        String s3AccessKey,
        String s3SecretKey) {

    /** The same endpoints as the Quarkus configuration keys the services read. */
    public Map<String, String> asQuarkusConfig() {
        return Map.of(
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.username", dbUser,
                "quarkus.datasource.password", dbPassword,
                "kafka.bootstrap.servers", kafkaBootstrapServers,
                "medlabel.s3.endpoint", s3Endpoint,
                "medlabel.s3.access-key", s3AccessKey,
                "medlabel.s3.secret-key", s3SecretKey);
    }

    /** PostgreSQL's host and port, from the JDBC URL. */
    URI postgresAddress() {
        return URI.create(jdbcUrl.substring("jdbc:".length()));
    }

    /** The first Kafka bootstrap server. */
    URI kafkaAddress() {
        return URI.create("kafka://" + kafkaBootstrapServers.split(",")[0].trim());
    }

    URI s3Address() {
        return URI.create(s3Endpoint);
    }
}
