package org.medlabel.datastore.messaging;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.persistence.LockModeType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.repository.OutboxEntity;

/**
 * Sends outbox rows to Kafka in id order and stamps them sent: at-least-once delivery, in order per image (rows are
 * sent one by one and a failure stops the pass, so nothing overtakes an unsent event). While Kafka is down the relay
 * backs off, doubling its pause up to the configured maximum; rows wait in PostgreSQL meanwhile. Rows are claimed with
 * {@code FOR UPDATE SKIP LOCKED}, so replicas never send the same row concurrently. Runs on its own thread, woken by
 * each commit that wrote an event and by a poll interval.
 */
@ApplicationScoped
public class OutboxRelay {

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final DatastoreConfig.Outbox config;
    private final String bootstrapServers;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;
    private KafkaProducer<String, String> producer;

    public OutboxRelay(
            DatastoreConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.config = config.outbox();
        this.bootstrapServers = bootstrapServers;
    }

    void onStart(@Observes StartupEvent event) {
        long timeout = config.sendTimeout().toMillis();
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        "true",
                        ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        timeout,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                        (int) timeout,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                        (int) timeout,
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new StringSerializer(),
                new StringSerializer());
        running = true;
        thread = new Thread(this::loop, "outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        wake.release();
        if (thread != null) {
            thread.join(config.sendTimeout().toMillis() + 1000);
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
    }

    void onWritten(@Observes(during = TransactionPhase.AFTER_SUCCESS) Outbox.Written written) {
        wake.release();
    }

    private void loop() {
        Duration pause = config.pollInterval();
        while (running) {
            try {
                wake.tryAcquire(pause.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                while (running && sendBatch() == config.batchSize()) {
                    // a full batch: more are waiting
                }
                pause = config.pollInterval();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                pause = min(pause.multipliedBy(2), config.maxBackoff());
                LOG.warnf("outbox relay: Kafka not reachable (%s); retrying in %s", e.getMessage(), pause);
            }
        }
    }

    /** Sends one batch in one transaction; returns how many rows it sent. */
    int sendBatch() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<OutboxEntity> rows = OutboxEntity.<OutboxEntity>find("sentAt is null order by id")
                    .withLock(LockModeType.PESSIMISTIC_WRITE)
                    .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                    .page(0, config.batchSize())
                    .list();
            int sent = 0;
            for (OutboxEntity row : rows) {
                row.attempts++;
                try {
                    producer.send(new ProducerRecord<>(row.topic, row.eventKey, row.payload))
                            .get(config.sendTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    if (sent == 0) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                    break; // keep what was sent; the rest goes next pass
                }
                row.sentAt = Instant.now();
                sent++;
            }
            return sent;
        });
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
