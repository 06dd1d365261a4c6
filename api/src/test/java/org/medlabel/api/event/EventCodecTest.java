package org.medlabel.api.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventCodecTest {

    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final EventMeta META = new EventMeta(
            UUID.fromString("0b6d0c38-4f3c-4a59-9d0e-2f4a3c1d5e77"), Instant.parse("2026-11-26T10:15:30.123Z"), 1);

    private final EventCodec codec = new EventCodec();

    static Stream<Event> oneOfEachType() {
        return Stream.of(
                new ImageAdded(META, "spleen_10", "images/spleen_10/image.nii.gz", 12_345_678L, SHA),
                new ImageRemoved(META, "spleen_10"),
                new LabelSaved(
                        META, "spleen_10", LabelSaved.FINAL_TAG, 3, SHA, new LabelScope(List.of("spleen"), "deepedit")),
                new TrainRequested(
                        META, "segmentation_spleen", Map.of("max_epochs", 10, "val_split", 0.2, "name", "run1"), true),
                new TrainProgress(
                        META, "job-7", "segmentation_spleen", JobStatus.RUNNING, 2, 10, 0.41, 0.73, "epoch 2"),
                new TrainProgress(META, "job-7", "segmentation_spleen", JobStatus.SUBMITTED, 0, 10, null, null, null),
                new ModelPublished(
                        META, "segmentation_spleen", 4, "models/segmentation_spleen/4/model.onnx", 0.91, "job-7"));
    }

    @ParameterizedTest
    @MethodSource("oneOfEachType")
    void roundTripsEveryEventType(Event event) {
        String json = codec.toJson(event);
        Event back = codec.fromJson(json);
        assertEquals(event, back);
        assertEquals(json, codec.toJson(back), "serialisation must be stable");
    }

    @Test
    void coversEveryPermittedSubtype() {
        Set<Class<?>> covered =
                oneOfEachType().map(e -> (Class<?>) e.getClass()).collect(Collectors.toSet());
        assertEquals(Set.of(Event.class.getPermittedSubclasses()), covered);
    }

    @Test
    void writesTheDocumentedWireFormat() throws Exception {
        String json = codec.toJson(new LabelSaved(META, "img1", "final", 2, SHA, null));
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals("LabelSaved", node.get("type").asText());
        assertEquals(
                "0b6d0c38-4f3c-4a59-9d0e-2f4a3c1d5e77", node.at("/meta/eventId").asText());
        assertEquals("2026-11-26T10:15:30.123Z", node.at("/meta/occurredAt").asText());
        assertEquals(1, node.at("/meta/schemaVersion").asInt());
        assertEquals("img1", node.get("imageId").asText());
        assertEquals(2, node.get("version").asInt());
        assertFalse(node.has("topic"), "routing helpers are not part of the payload");
        assertFalse(node.has("key"));
        assertEquals(0, node.at("/scope/structures").size(), "an undeclared label has an empty scope");
    }

    @Test
    void aLabelSavedOfAnOlderProducerHasNoScope() {
        String json = """
                {"type":"LabelSaved",
                 "meta":{"eventId":"0b6d0c38-4f3c-4a59-9d0e-2f4a3c1d5e77","occurredAt":"2026-11-26T10:15:30.123Z","schemaVersion":1},
                 "imageId":"img1","tag":"final","version":2,"sha256":"ab"}
                """;
        LabelSaved event = codec.fromJson(json, LabelSaved.class);
        assertEquals(LabelScope.UNDECLARED, event.scope());
        assertFalse(event.scope().declared());
    }

    @Test
    void aScopeIsReadFromSlicersSaveParams() {
        LabelScope scope = LabelScope.of(Map.of(
                "label_info",
                List.of(Map.of("name", " spleen ", "idx", 1), Map.of("idx", 2), Map.of("name", "liver", "idx", 3)),
                "model",
                "deepedit",
                "client_id",
                "user-xyz"));
        assertEquals(new LabelScope(List.of("spleen", "liver"), "deepedit"), scope);
        assertTrue(scope.declared());
        assertEquals(LabelScope.UNDECLARED, LabelScope.of(Map.of("label_info", "not a list", "model", " ")));
        assertEquals(LabelScope.UNDECLARED, LabelScope.of(null));
    }

    @Test
    void readsAFixedDocumentAndIgnoresUnknownFields() {
        String json = """
                {"type":"ModelPublished",
                 "meta":{"eventId":"0b6d0c38-4f3c-4a59-9d0e-2f4a3c1d5e77","occurredAt":"2026-11-26T10:15:30.123Z","schemaVersion":1},
                 "model":"deepedit","version":0,"objectKey":"models/deepedit/0/model.onnx","dice":null,"jobId":null,
                 "addedByALaterRelease":{"x":1}}
                """;
        ModelPublished event = codec.fromJson(json, ModelPublished.class);
        assertEquals(new ModelPublished(META, "deepedit", 0, "models/deepedit/0/model.onnx", null, null), event);
        assertEquals(Topics.MODELS, event.topic());
        assertEquals("deepedit", event.key());
    }

    @Test
    void refusesANewerSchemaVersion() {
        String json = codec.toJson(ImageRemoved.of("a")).replace("\"schemaVersion\":1", "\"schemaVersion\":2");
        MalformedEventException e = assertThrows(MalformedEventException.class, () -> codec.fromJson(json));
        assertTrue(e.getMessage().contains("schema version 2"), e.getMessage());
    }

    @Test
    void refusesMalformedDocumentsWithAReason() {
        assertThrows(MalformedEventException.class, () -> codec.fromJson("{not json"));
        assertThrows(MalformedEventException.class, () -> codec.fromJson("{\"type\":\"Nope\"}"));
        assertThrows(MalformedEventException.class, () -> codec.fromJson(""));
        MalformedEventException missing = assertThrows(
                MalformedEventException.class,
                () -> codec.fromJson(
                        "{\"type\":\"ImageRemoved\",\"meta\":{\"eventId\":\"0b6d0c38-4f3c-4a59-9d0e-2f4a3c1d5e77\","
                                + "\"occurredAt\":\"2026-11-26T10:15:30Z\",\"schemaVersion\":1}}"));
        assertTrue(missing.getMessage().contains("imageId"), missing.getMessage());
        assertThrows(
                MalformedEventException.class,
                () -> codec.fromJson(codec.toJson(ImageRemoved.of("a")), LabelSaved.class));
    }

    @Test
    void routesEachEventToItsTopicWithItsKey() {
        assertEquals(Topics.IMAGES, ImageAdded.of("i", "images/i/x.nii", 1, SHA).topic());
        assertEquals(Topics.IMAGES, ImageRemoved.of("i").topic());
        assertEquals(
                Topics.LABELS,
                LabelSaved.of("i", "final", 1, SHA, LabelScope.UNDECLARED).topic());
        assertEquals(
                "i", LabelSaved.of("i", "final", 1, SHA, LabelScope.UNDECLARED).key());
        assertEquals(Topics.TRAIN_REQUESTS, TrainRequested.of("m", null, false).topic());
        assertEquals(
                "m",
                TrainProgress.of("j", "m", JobStatus.DONE, 1, 1, 0.1, 0.9, "done")
                        .key());
        assertEquals(Topics.MODELS, ModelPublished.of("m", 1, "k", null, null).topic());
        assertEquals(5, Topics.ALL.size());
    }

    @Test
    void newEventsGetFreshMetadata() {
        ImageRemoved a = ImageRemoved.of("i");
        ImageRemoved b = ImageRemoved.of("i");
        assertInstanceOf(UUID.class, a.meta().eventId());
        assertFalse(a.meta().eventId().equals(b.meta().eventId()));
        assertEquals(EventMeta.CURRENT_SCHEMA_VERSION, a.meta().schemaVersion());
    }

    @Test
    void rejectsInvalidPayloadsWhenBuilt() {
        assertThrows(IllegalArgumentException.class, () -> LabelSaved.of("i", "final", 0, SHA, null));
        assertThrows(IllegalArgumentException.class, () -> ImageAdded.of(" ", "k", 1, SHA));
        assertThrows(IllegalArgumentException.class, () -> ImageAdded.of("i", "k", -1, SHA));
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainProgress.of("j", "m", JobStatus.RUNNING, 3, 2, null, null, null));
        assertThrows(NullPointerException.class, () -> ModelPublished.of(null, 1, "k", null, null));
    }
}
