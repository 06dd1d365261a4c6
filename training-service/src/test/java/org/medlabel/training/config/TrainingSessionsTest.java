package org.medlabel.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;

/** A model's {@code training.cpuArena} against the service's setting and huge pages. */
class TrainingSessionsTest {

    private static final SessionManager.Config ARENA = new SessionManager.Config(Device.parse("cpu"), 2, 1);

    @Test
    void anUnsetModelTrainsWithTheServicesSetting() {
        var choice = new TrainingSessions(ARENA, false).forModel(null);
        assertEquals(ARENA, choice.config());
        assertEquals("CPU arena on (the service's)", choice.note());
        assertEquals(
                false,
                new TrainingSessions(ARENA.withCpuArena(false), false)
                        .forModel(null)
                        .config()
                        .cpuArena());
    }

    @Test
    void aModelGoesWithoutTheArenaOnlyOnHugePages() {
        var onHugePages = new TrainingSessions(ARENA, true).forModel(false);
        assertEquals(ARENA.withCpuArena(false), onHugePages.config());
        assertEquals("CPU arena off (the app's training.cpuArena)", onHugePages.note());

        var without = new TrainingSessions(ARENA, false).forModel(false);
        assertEquals(ARENA, without.config());
        assertTrue(without.note().startsWith("CPU arena kept on"), without.note());
        assertTrue(without.note().contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1"), without.note());
    }

    @Test
    void aModelCanAskForTheArenaWhereTheServiceHasItOff() {
        var choice = new TrainingSessions(ARENA.withCpuArena(false), false).forModel(true);
        assertEquals(ARENA, choice.config());
        assertEquals("CPU arena on (the app's training.cpuArena)", choice.note());
    }
}
