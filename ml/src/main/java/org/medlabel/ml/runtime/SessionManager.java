package org.medlabel.ml.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One ONNX Runtime session per model version, created once and shared by every thread that runs the model (ORT
 * sessions are thread-safe for {@code run}). Sessions use graph optimisation level ALL, the configured thread counts
 * and the configured {@link Device}; with {@code auto}, a GPU that cannot be used falls back to the CPU with one log
 * line. Replacing a model version closes the old session once it is released; {@link #close()} closes all.
 */
public final class SessionManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SessionManager.class.getName());

    /**
     * The configuration of all sessions. {@code memoryPattern}: ONNX Runtime's memory pattern, one block per run
     * planned from the first run's allocations; it saves allocations on inference windows; a training step takes it
     * only without the arena (with it, deepgrow_2d at 16 slices: 9.9 GB with the pattern, 6.4 GB without, no slower;
     * without the arena it spares mapping every value afresh: deepgrow_3d 1.6x faster; bench/RESULTS.md).
     * {@code cpuArena}: ONNX Runtime's CPU arena, which keeps every block it took; without it each value is freed after
     * its last reader (a lower peak for large 2-D batches, a higher one for 3-D crops; usable only on {@link HugePages}).
     */
    public record Config(
            Device device, int intraOpThreads, int interOpThreads, boolean memoryPattern, boolean cpuArena) {
        public Config {
            if (intraOpThreads < 1 || interOpThreads < 1) {
                throw new IllegalArgumentException("thread counts must be >= 1");
            }
        }

        /** With the memory pattern and the CPU arena on. */
        public Config(Device device, int intraOpThreads, int interOpThreads) {
            this(device, intraOpThreads, interOpThreads, true, true);
        }

        public Config withoutMemoryPattern() {
            return new Config(device, intraOpThreads, interOpThreads, false, cpuArena);
        }

        public Config withCpuArena(boolean on) {
            return new Config(device, intraOpThreads, interOpThreads, memoryPattern, on);
        }
    }

    /** A session and where it runs. */
    public record ModelSession(OrtSession session, ExecutionProvider provider) {}

    private final OrtEnvironment env;
    private final Config config;
    private final Map<String, ModelSession> sessions = new HashMap<>();

    public SessionManager(Config config) {
        this.env = OrtEnvironment.getEnvironment();
        this.config = config;
    }

    /** The session for {@code key} (a model name and version), created from {@code model} (ONNX bytes) on first use. */
    public synchronized ModelSession session(String key, byte[] model) throws OrtException {
        ModelSession existing = sessions.get(key);
        if (existing != null) {
            return existing;
        }
        ModelSession created = create(model);
        sessions.put(key, created);
        LOG.info(() -> "session " + key + " on " + created.provider());
        return created;
    }

    /** Closes and forgets the session of {@code key} (after a newer version took over). */
    public synchronized void release(String key) throws OrtException {
        ModelSession s = sessions.remove(key);
        if (s != null) {
            s.session().close();
        }
    }

    /**
     * Where this manager's sessions run: CUDA when the device asks for it (or {@code auto}) and this ONNX Runtime
     * build has it, else the CPU. What graphs are optimised for; {@code auto} falls back to the CPU if CUDA then
     * fails to start.
     */
    public ExecutionProvider provider() {
        return provider(config);
    }

    /** Where sessions of {@code config} run (see {@link #provider()}). */
    public static ExecutionProvider provider(Config config) {
        return config.device().kind() != Device.Kind.CPU
                        && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)
                ? ExecutionProvider.CUDA
                : ExecutionProvider.CPU;
    }

    private ModelSession create(byte[] model) throws OrtException {
        if (provider() == ExecutionProvider.CUDA) {
            try (OrtSession.SessionOptions options = options()) {
                options.addCUDA(config.device().gpu());
                return new ModelSession(env.createSession(model, options), ExecutionProvider.CUDA);
            } catch (OrtException e) {
                if (config.device().kind() == Device.Kind.CUDA) {
                    throw e;
                }
                LOG.warning("CUDA not usable (" + e.getMessage() + "); running on the CPU");
            }
        } else if (config.device().kind() == Device.Kind.CUDA) {
            throw new IllegalStateException("device " + config.device()
                    + " requested but this ONNX Runtime build has no CUDA provider (build with -Pgpu)");
        }
        try (OrtSession.SessionOptions options = options()) {
            return new ModelSession(env.createSession(model, options), ExecutionProvider.CPU);
        }
    }

    private OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setIntraOpNumThreads(config.intraOpThreads());
        options.setInterOpNumThreads(config.interOpThreads());
        options.setMemoryPatternOptimization(config.memoryPattern());
        options.setCPUArenaAllocator(config.cpuArena());
        return options;
    }

    @Override
    public synchronized void close() throws OrtException {
        for (ModelSession s : sessions.values()) {
            s.session().close();
        }
        sessions.clear();
    }
}
