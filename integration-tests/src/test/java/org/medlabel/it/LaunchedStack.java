package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class on the whole stack, started once by {@code deploy/local/medlabel start} before it and stopped after. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LaunchedStack {

    Launcher launcher;

    /** The launcher on this class's fresh home and app (and any extra environment). */
    abstract Launcher newLauncher() throws Exception;

    @BeforeAll
    void startStack() throws Exception {
        launcher = newLauncher();
        Launcher.Result started = launcher.run(Launcher.START_TIMEOUT, "start");
        assertEquals(0, started.exitCode(), started.output());
    }

    @AfterAll
    void stopStack() throws Exception {
        if (launcher != null) {
            launcher.run(Duration.ofMinutes(2), "stop");
        }
    }
}
