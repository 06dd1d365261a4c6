package org.medlabel.training;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** No job worker in this JVM: the tests play the workers themselves, through the job table. */
public class CoordinationProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("medlabel.training.worker-enabled", "false");
    }
}
