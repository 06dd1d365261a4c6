package org.medlabel.inference.work;

import ai.onnxruntime.OrtException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import org.medlabel.inference.config.InferenceConfig;
import org.medlabel.ml.runtime.Cancellation;

/**
 * The bounded pool every inference runs on: {@code workers} threads, at most {@code queueSize} requests waiting; a
 * request beyond that is refused at once, and one that is not finished when its deadline passes is answered 503.
 * A request that ends early (its deadline passed, or its client went away) gives its worker back: waiting, it never
 * starts; running, its network pass is stopped ({@link Cancellation}). CPU work never touches the event loop, so
 * health and info endpoints answer while inferences run.
 */
@ApplicationScoped
public class InferenceExecutor {

    private static final String ABANDONED = "the request ended before its inference (deadline passed or client gone)";

    private static final Logger LOG = Logger.getLogger(InferenceExecutor.class);

    /** A request's work; it passes {@code cancellation} to its network passes and checks it between stages. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Cancellation cancellation) throws Exception;
    }

    private final ThreadPoolExecutor pool;
    private final InferenceConfig config;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong stopped = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();

    public InferenceExecutor(InferenceConfig config) {
        this.config = config;
        AtomicInteger ids = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                config.workers(),
                config.workers(),
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.queueSize())),
                r -> {
                    Thread t = new Thread(r, "inference-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Runs {@code work} on a worker; the Uni fails with {@link Overloaded} when refused or past the deadline, and
     * cancelling it (deadline, client gone) stops the work.
     */
    public <T> Uni<T> submit(Work<T> work) {
        return Uni.createFrom()
                .<T>emitter(emitter -> {
                    Cancellation cancellation;
                    try {
                        cancellation = Cancellation.create();
                    } catch (OrtException e) {
                        emitter.fail(e);
                        return;
                    }
                    // after an item or a failure the cancellation is closed already, so this only acts on a request
                    // that ended early
                    emitter.onTermination(() -> cancellation.cancel(ABANDONED));
                    try {
                        pool.execute(() -> {
                            T result;
                            running.incrementAndGet();
                            try (cancellation) {
                                if (cancellation.cancelled()) {
                                    skipped.incrementAndGet();
                                    LOG.debugf("skipped a request that ended while it waited for a worker");
                                    return;
                                }
                                result = work.run(cancellation);
                            } catch (Throwable e) {
                                if (!cancellation.cancelled()) {
                                    finished.incrementAndGet();
                                    emitter.fail(e);
                                } else {
                                    stopped.incrementAndGet();
                                    LOG.infof("stopped a running inference: %s", ABANDONED);
                                }
                                return;
                            } finally {
                                running.decrementAndGet();
                            }
                            finished.incrementAndGet();
                            emitter.complete(result);
                        });
                    } catch (RejectedExecutionException e) {
                        refused.incrementAndGet();
                        emitter.fail(new Overloaded(
                                "the inference queue is full ("
                                        + pool.getQueue().size() + " waiting, " + config.workers()
                                        + " running); retry later",
                                retryAfter()));
                    }
                })
                .ifNoItem()
                .after(config.requestTimeout())
                .failWith(() -> new Overloaded(
                        "the inference did not finish within "
                                + config.requestTimeout().toSeconds() + " s",
                        retryAfter()))
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * What the pool does now and has done since the start: {@code workers}, {@code running}, {@code waiting} (of
     * {@code queue_size}); requests {@code finished} (answered or failed on their own), {@code refused} (queue full),
     * {@code stopped} (ended early while running) and {@code skipped} (ended early while waiting).
     */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("workers", (long) config.workers());
        counts.put("running", (long) running.get());
        counts.put("waiting", (long) pool.getQueue().size());
        counts.put("queue_size", (long) config.queueSize());
        counts.put("finished", finished.get());
        counts.put("refused", refused.get());
        counts.put("stopped", stopped.get());
        counts.put("skipped", skipped.get());
        return counts;
    }

    private long retryAfter() {
        return Math.max(1, config.requestTimeout().toSeconds() / 4);
    }

    @PreDestroy
    void shutdown() {
        pool.shutdownNow();
    }
}
