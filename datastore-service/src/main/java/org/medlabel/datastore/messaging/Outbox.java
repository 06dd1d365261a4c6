package org.medlabel.datastore.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Instant;
import org.medlabel.api.event.EventCodec;
import org.medlabel.datastore.repository.OutboxEntity;

/**
 * Writes events into the outbox table, inside the caller's transaction: the event exists exactly when the change it
 * announces does. After the transaction commits, the relay is woken to send it at once.
 */
@ApplicationScoped
public class Outbox {

    /** Fired on commit of a transaction that wrote an outbox row. */
    public record Written() {}

    private final EventCodec codec = new EventCodec();
    private final Event<Written> written;

    public Outbox(Event<Written> written) {
        this.written = written;
    }

    public void add(org.medlabel.api.event.Event event) {
        OutboxEntity row = new OutboxEntity();
        row.topic = event.topic();
        row.eventKey = event.key();
        row.payload = codec.toJson(event);
        row.createdAt = Instant.now();
        row.persist();
        written.fire(new Written());
    }
}
