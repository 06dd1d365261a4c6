package org.medlabel.datastore;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.medlabel.api.event.Event;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.ImageAdded;
import org.medlabel.api.event.ImageRemoved;
import org.medlabel.api.event.LabelSaved;
import org.medlabel.api.event.LabelScope;
import org.medlabel.api.event.Topics;
import org.medlabel.testinfra.InfraTestResource;

/** Every change reaches Kafka through the outbox: once per change, in order per image, with the stored checksum. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class OutboxEventsTest {

    @Test
    void addSaveSaveDeleteArriveOnceEachInOrder() throws Exception {
        String id = "evt" + UUID.randomUUID().toString().substring(0, 8);
        String imageSha = given().multiPart("file", "ct.nii.gz", Files.readAllBytes(DatastoreApiTest.CT))
                .put("/images/{id}", id)
                .then()
                .statusCode(200)
                .extract()
                .path("sha256");
        List<String> labelShas = new ArrayList<>();
        for (String params :
                List.of("{}", "{\"label_info\": [{\"name\": \"spleen\", \"idx\": 1}], \"model\": \"deepedit\"}")) {
            labelShas.add(given().multiPart("label", "l.nii.gz", Files.readAllBytes(DatastoreApiTest.CT_LABEL))
                    .multiPart("params", params)
                    .put("/images/{id}/labels/final", id)
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("sha256"));
        }
        given().delete("/images/{id}", id).then().statusCode(204);

        List<Event> events = eventsFor(id, 4, Duration.ofSeconds(30));
        assertEquals(4, events.size(), events::toString);
        ImageAdded added = (ImageAdded) events.get(0);
        assertEquals(imageSha, added.sha256());
        assertTrue(added.objectKey().startsWith("images/" + id + "/"));
        LabelSaved first = (LabelSaved) events.get(1);
        LabelSaved second = (LabelSaved) events.get(2);
        assertEquals(List.of(1, 2), List.of(first.version(), second.version()));
        assertEquals(labelShas, List.of(first.sha256(), second.sha256()));
        assertEquals("final", second.tag());
        assertEquals(LabelScope.UNDECLARED, first.scope());
        assertEquals(
                new LabelScope(List.of("spleen"), "deepedit"), second.scope(), "the save params' label_info and model");
        assertTrue(events.get(3) instanceof ImageRemoved);
    }

    /** Reads the image and label topics from the start until {@code expected} events of the image came, then a bit more. */
    static List<Event> eventsFor(String imageId, int expected, Duration timeout) {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        EventCodec codec = new EventCodec();
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "test-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.IMAGES, Topics.LABELS));
            Instant deadline = Instant.now().plus(timeout);
            Instant settle = null;
            while (Instant.now().isBefore(deadline)
                    && (settle == null || Instant.now().isBefore(settle))) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (imageId.equals(r.key())) {
                        records.add(r);
                    }
                });
                if (settle == null && records.size() >= expected) {
                    settle = Instant.now().plusSeconds(2); // duplicates would show up now
                }
            }
        }
        // one partition per topic: order within a topic is kept; across topics, order by the event time
        return records.stream()
                .map(r -> codec.fromJson(r.value()))
                .sorted((a, b) -> a.meta().occurredAt().compareTo(b.meta().occurredAt()))
                .toList();
    }
}
