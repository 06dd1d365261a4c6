package org.medlabel.testinfra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestInfraTest {

    @Test
    void readsTheServicesOwnVariablesWithLocalStackDefaults() {
        InfraEndpoints defaults = TestInfra.fromEnvironment(Map.of());
        assertEquals("jdbc:postgresql://127.0.0.1:15432/medlabel", defaults.jdbcUrl());
        assertEquals("127.0.0.1:19092", defaults.kafkaBootstrapServers());
        assertEquals("http://127.0.0.1:19000", defaults.s3Endpoint());

        InfraEndpoints custom = TestInfra.fromEnvironment(Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://10.0.0.5:6543/x",
                "KAFKA_BOOTSTRAP_SERVERS", "k1:1,k2:2",
                "MEDLABEL_S3_ENDPOINT", "http://s3.example:9000"));
        assertEquals("10.0.0.5", custom.postgresAddress().getHost());
        assertEquals(6543, custom.postgresAddress().getPort());
        assertEquals("k1", custom.kafkaAddress().getHost());
        assertEquals(1, custom.kafkaAddress().getPort());
        assertEquals("http://s3.example:9000", custom.asQuarkusConfig().get("medlabel.s3.endpoint"));
    }

    @Test
    void nativeModeNamesEveryServiceThatIsDownAndHowToStartIt() throws IOException {
        int closed = closedPort();
        Map<String, String> env = Map.of(
                TestInfra.MODE_VARIABLE,
                "native",
                "QUARKUS_DATASOURCE_JDBC_URL",
                "jdbc:postgresql://127.0.0.1:" + closed + "/medlabel",
                "KAFKA_BOOTSTRAP_SERVERS",
                "127.0.0.1:" + closed,
                "MEDLABEL_S3_ENDPOINT",
                "http://127.0.0.1:" + closed);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestInfra.resolve(env));
        assertTrue(e.getMessage().contains("PostgreSQL at 127.0.0.1:" + closed), e.getMessage());
        assertTrue(e.getMessage().contains("Kafka"), e.getMessage());
        assertTrue(e.getMessage().contains("S3"), e.getMessage());
        assertTrue(e.getMessage().contains("deploy/local/medlabel infra start"), e.getMessage());
    }

    @Test
    void nativeModeAcceptsServicesThatAnswer() throws IOException {
        try (ServerSocket open = new ServerSocket(0)) {
            int port = open.getLocalPort();
            Map<String, String> env = Map.of(
                    TestInfra.MODE_VARIABLE,
                    "native",
                    "QUARKUS_DATASOURCE_JDBC_URL",
                    "jdbc:postgresql://127.0.0.1:" + port + "/medlabel",
                    "KAFKA_BOOTSTRAP_SERVERS",
                    "127.0.0.1:" + port,
                    "MEDLABEL_S3_ENDPOINT",
                    "http://127.0.0.1:" + port);
            assertEquals(TestInfra.fromEnvironment(env), TestInfra.resolve(env));
        }
    }

    @Test
    void rejectsAnUnknownMode() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> TestInfra.resolve(Map.of(TestInfra.MODE_VARIABLE, "k8s")));
        assertTrue(e.getMessage().contains("'k8s'"), e.getMessage());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
