package org.medlabel.training.config;

import org.medlabel.ml.runtime.SessionManager;

/**
 * The ONNX Runtime settings of training sessions: the service's ({@code medlabel.training.*}), and whether this
 * process's {@code malloc} puts large blocks on {@link org.medlabel.ml.runtime.HugePages huge pages}.
 */
public record TrainingSessions(SessionManager.Config service, boolean hugePages) {

    /** One job's settings and the line its log says about them. */
    public record Choice(SessionManager.Config config, String note) {}

    /**
     * The settings for a model whose app sets {@code training.cpuArena} to {@code arena} (null: unset). A model's wish to
     * go without the arena is honoured only on huge pages: without them every large value faults in 4 KB at a time
     * and a step takes ~3x as long (bench/RESULTS.md 2026-12-07), a worse trade than the memory it saves.
     */
    public Choice forModel(Boolean arena) {
        if (arena == null || arena == service.cpuArena()) {
            return new Choice(service, "CPU arena " + (service.cpuArena() ? "on" : "off") + " (the service's)");
        }
        if (arena) {
            return new Choice(service.withCpuArena(true), "CPU arena on (the app's training.cpuArena)");
        }
        if (!hugePages) {
            return new Choice(
                    service,
                    "CPU arena kept on: the app's training.cpuArena false needs malloc on huge pages"
                            + " (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as the launchers start training), without"
                            + " which a step is ~3x slower");
        }
        return new Choice(service.withCpuArena(false), "CPU arena off (the app's training.cpuArena)");
    }
}
