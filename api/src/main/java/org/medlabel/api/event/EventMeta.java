package org.medlabel.api.event;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * What every event carries besides its payload. {@code eventId} lets consumers drop redeliveries (Kafka delivery is
 * at-least-once); {@code schemaVersion} lets a consumer refuse a payload newer than it understands.
 */
public record EventMeta(UUID eventId, Instant occurredAt, int schemaVersion) {

    /** The schema version this build writes, and the newest it reads. */
    public static final int CURRENT_SCHEMA_VERSION = 1;

    public EventMeta {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1, was " + schemaVersion);
        }
    }

    /** Metadata for an event happening now. */
    public static EventMeta now() {
        return new EventMeta(UUID.randomUUID(), Instant.now(), CURRENT_SCHEMA_VERSION);
    }
}
