package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.medlabel.api.event.Event;
import org.medlabel.api.event.LabelSaved;
import org.medlabel.datastore.repository.OutboxEntity;
import org.medlabel.testinfra.InfraTestResource;

/**
 * Saves made while Kafka is down are not lost: their events wait in the outbox and arrive, once each and in order,
 * when a broker comes up. The service here talks to its own Kafka, started and stopped by the launcher.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@TestProfile(OutboxKafkaDownTest.OwnKafka.class)
class OutboxKafkaDownTest {

    static final int PORT = Integer.getInteger("medlabel.test.own-kafka-port", 29192);

    public static class OwnKafka implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "kafka.bootstrap.servers", "127.0.0.1:" + PORT,
                    "medlabel.datastore.outbox.poll-interval", "200ms",
                    "medlabel.datastore.outbox.send-timeout", "1s",
                    "medlabel.datastore.outbox.max-backoff", "1s");
        }
    }

    @Test
    void eventsSavedWhileKafkaIsDownArriveOnceEachWhenItComesUp() throws Exception {
        String id = "down" + UUID.randomUUID().toString().substring(0, 8);
        given().multiPart("file", "ct.nii.gz", Files.readAllBytes(DatastoreApiTest.CT))
                .put("/images/{id}", id)
                .then()
                .statusCode(200);
        for (int i = 0; i < 3; i++) {
            given().multiPart("label", "l.nii.gz", Files.readAllBytes(DatastoreApiTest.CT_LABEL))
                    .put("/images/{id}/labels/final", id)
                    .then()
                    .statusCode(201);
        }
        Thread.sleep(1500); // the relay tries, fails, backs off
        assertEquals(4, pending(id), "all four events wait in the outbox");

        try {
            launcher("start");
            List<Event> events = OutboxEventsTest.eventsFor(id, 4, Duration.ofSeconds(60));
            assertEquals(4, events.size(), events::toString);
            assertEquals(
                    List.of(1, 2, 3),
                    events.stream()
                            .filter(e -> e instanceof LabelSaved)
                            .map(e -> ((LabelSaved) e).version())
                            .toList());
            assertEquals(0, pending(id));
        } finally {
            launcher("stop");
        }
    }

    private static long pending(String id) {
        return QuarkusTransaction.requiringNew().call(() -> OutboxEntity.count("eventKey = ?1 and sentAt is null", id));
    }

    /** {@code deploy/local/medlabel infra start|stop kafka} on its own home and ports. */
    private static void launcher(String action) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("medlabel.repo", "..")).toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(
                        repo.resolve("deploy/local/medlabel").toString(), "infra", action, "kafka")
                .redirectErrorStream(true)
                .redirectOutput(
                        repo.resolve("datastore-service/target/own-kafka.log").toFile());
        pb.environment()
                .put(
                        "MEDLABEL_HOME",
                        repo.resolve("datastore-service/target/own-kafka").toString());
        pb.environment().put("MEDLABEL_KAFKA_PORT", String.valueOf(PORT));
        pb.environment().put("MEDLABEL_KAFKA_CONTROLLER_PORT", String.valueOf(PORT + 1));
        int rc = pb.start().waitFor();
        if (rc != 0) {
            throw new AssertionError("launcher infra " + action + " kafka failed (rc " + rc
                    + "); see datastore-service/target/own-kafka.log");
        }
    }
}
