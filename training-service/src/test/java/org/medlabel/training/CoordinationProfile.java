package org.medlabel.training;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;
import java.util.UUID;

/**
 * No job worker in this JVM: the tests play the workers themselves, through the job table. Labels come from a topic of
 * its own: final labels that other modules' tests saved on the shared topic must not start jobs here.
 */
public class CoordinationProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "medlabel.training.worker-enabled",
                "false",
                "mp.messaging.incoming.labels.topic",
                "medlabel.labels.coordination-test-" + UUID.randomUUID());
    }
}
