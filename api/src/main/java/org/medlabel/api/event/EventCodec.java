package org.medlabel.api.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * JSON form of {@link Event}s, the one place that defines it. Unknown fields are ignored so that an older consumer
 * reads a newer producer's additive changes; a schema version newer than {@link EventMeta#CURRENT_SCHEMA_VERSION} is
 * refused, because its meaning may have changed. Thread-safe.
 */
public final class EventCodec {

    private final ObjectMapper mapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);

    public String toJson(Event event) {
        try {
            return mapper.writerFor(Event.class).writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + event, e);
        }
    }

    /**
     * Parses one event.
     *
     * @throws MalformedEventException when the text is not a valid event of a supported schema version
     */
    public Event fromJson(String json) {
        Event event;
        try {
            event = mapper.readValue(json, Event.class);
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new MalformedEventException("not a valid event: " + rootMessage(e), e);
        }
        if (event == null) {
            throw new MalformedEventException("not a valid event: empty document", null);
        }
        int version = event.meta().schemaVersion();
        if (version > EventMeta.CURRENT_SCHEMA_VERSION) {
            throw new MalformedEventException(
                    "event schema version " + version + " is newer than supported " + EventMeta.CURRENT_SCHEMA_VERSION,
                    null);
        }
        return event;
    }

    /** Parses one event and checks its type. */
    public <E extends Event> E fromJson(String json, Class<E> type) {
        Event event = fromJson(json);
        if (!type.isInstance(event)) {
            throw new MalformedEventException(
                    "expected " + type.getSimpleName() + " but got "
                            + event.getClass().getSimpleName(),
                    null);
        }
        return type.cast(event);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
