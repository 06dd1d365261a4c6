package org.medlabel.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.medlabel.testinfra.TestInfra;

/** Against the real Kafka of {@link TestInfra}, and against a port where nothing listens. */
class KafkaHealthCheckTest {

    @Test
    void upWithTheClusterIdWhenTheBrokerAnswers() {
        KafkaHealthCheck check =
                new KafkaHealthCheck(TestInfra.endpoints().kafkaBootstrapServers(), Duration.ofSeconds(10));
        try {
            HealthCheckResponse response = check.call();
            Map<String, Object> data = response.getData().orElseThrow();
            assertEquals(HealthCheckResponse.Status.UP, response.getStatus(), String.valueOf(data));
            assertEquals("kafka", response.getName());
            assertFalse(String.valueOf(data.get("clusterId")).isBlank());
            assertEquals(1L, ((Number) data.get("nodes")).longValue());
        } finally {
            check.close();
        }
    }

    @Test
    void downWithinTheTimeoutWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        KafkaHealthCheck check = new KafkaHealthCheck("127.0.0.1:" + port, Duration.ofMillis(1500));
        try {
            long start = System.nanoTime();
            HealthCheckResponse response = check.call();
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus());
            assertEquals(
                    "no answer from the cluster within 1500 ms",
                    response.getData().orElseThrow().get("error"));
            // Bounded by the configured timeout (with slack for a loaded machine), not Kafka's 60 s default.
            assertTrue(tookMs < 15_000, "took " + tookMs + " ms");
        } finally {
            check.close();
        }
    }
}
