package org.medlabel.training;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.UUID;

/**
 * A real job worker with short leases and heartbeats, so take-overs and stops happen within seconds, reading labels
 * from a topic of its own (events other tests left in the shared topic must not count here), keeping every log line of
 * a job (tests read its epochs).
 */
public class WorkerProfile implements QuarkusTestProfile {

    public static final String LABELS_TOPIC = "medlabel.labels.training-test-" + UUID.randomUUID();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mp.messaging.incoming.labels.topic", LABELS_TOPIC,
                "medlabel.training.lease", "3s",
                "medlabel.training.heartbeat", "500ms",
                "medlabel.training.poll", "300ms",
                "medlabel.training.trigger-check-every", "1s",
                "medlabel.training.outage-retry", "1s",
                "medlabel.training.yield-after", "1s",
                "medlabel.training.worker-id", "test-worker",
                "medlabel.training.detail-lines", "100");
    }
}
