package org.medlabel.inference.model;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.medlabel.api.event.EventCodec;
import org.medlabel.api.event.ModelPublished;

/**
 * Loads the models at start-up, again every 10 s while some are missing (the object store may start later), and
 * switches to each version a {@code ModelPublished} event announces. Every replica consumes the models topic in its
 * own consumer group, so each one hears of every version.
 */
@ApplicationScoped
public class ModelLifecycle {

    private static final Logger LOG = Logger.getLogger(ModelLifecycle.class);

    private final ModelRegistry registry;
    private final EventCodec codec = new EventCodec();

    public ModelLifecycle(ModelRegistry registry) {
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) {
        load();
    }

    @Scheduled(every = "10s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        if (!registry.ready()) {
            load();
        }
    }

    private void load() {
        try {
            registry.loadAll();
        } catch (RuntimeException e) {
            LOG.warnf("models not loaded yet (%s); retrying in 10 s", e.getMessage());
        }
    }

    @Incoming("models")
    public void onModelPublished(String json) {
        ModelPublished event;
        try {
            event = codec.fromJson(json, ModelPublished.class);
        } catch (RuntimeException e) {
            LOG.warnf("ignoring a malformed model event: %s", e.getMessage());
            return;
        }
        try {
            registry.onPublished(event.model(), event.version(), event.objectKey());
        } catch (RuntimeException e) {
            // a version that cannot be served must not stop the stream: the current one keeps serving
            LOG.errorf("model %s version %d not switched to: %s", event.model(), event.version(), e.getMessage());
        }
    }
}
