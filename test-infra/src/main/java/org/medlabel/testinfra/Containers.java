package org.medlabel.testinfra;

import java.util.stream.Stream;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The back-end dependencies as containers, for machines with a Docker engine. Images match the native stack's
 * versions. They live as long as the test JVM (Testcontainers' reaper removes them).
 */
final class Containers {

    private Containers() {}

    @SuppressWarnings("resource") // stopped by the Testcontainers reaper when the JVM exits
    static InfraEndpoints start() {
        var postgres = new PostgreSQLContainer("postgres:15-alpine")
                .withDatabaseName("medlabel")
                .withUsername("medlabel")
                .withPassword("medlabel");
        var kafka = new KafkaContainer("apache/kafka:4.1.2");
        var minio = new MinIOContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z")
                .withUserName("minioadmin")
                .withPassword("minioadmin");
        Startables.deepStart(Stream.of(postgres, kafka, minio)).join();
        return new InfraEndpoints(
                postgres.getJdbcUrl(),
                postgres.getUsername(),
                postgres.getPassword(),
                kafka.getBootstrapServers(),
                minio.getS3URL(),
                minio.getUserName(),
                minio.getPassword());
    }
}
