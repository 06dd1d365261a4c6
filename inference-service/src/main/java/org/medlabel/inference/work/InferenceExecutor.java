package org.medlabel.inference.work;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.medlabel.inference.config.InferenceConfig;

/**
 * The bounded pool every inference runs on: {@code workers} threads, at most {@code queueSize} requests waiting; a
 * request beyond that is refused at once, and one that is still running when its deadline passes is answered 503.
 * CPU work never touches the event loop, so health and info endpoints answer while inferences run.
 */
@ApplicationScoped
public class InferenceExecutor {

    private final ThreadPoolExecutor pool;
    private final InferenceConfig config;
    private final AtomicInteger running = new AtomicInteger();

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

    /** Runs {@code work} on a worker; the Uni fails with {@link Overloaded} when refused or past the deadline. */
    public <T> Uni<T> submit(Callable<T> work) {
        return Uni.createFrom()
                .<T>emitter(emitter -> {
                    try {
                        pool.execute(() -> {
                            running.incrementAndGet();
                            try {
                                emitter.complete(work.call());
                            } catch (Throwable e) {
                                emitter.fail(e);
                            } finally {
                                running.decrementAndGet();
                            }
                        });
                    } catch (RejectedExecutionException e) {
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

    /** Requests waiting and running (metrics, /info). */
    public int waiting() {
        return pool.getQueue().size();
    }

    public int running() {
        return running.get();
    }

    private long retryAfter() {
        return Math.max(1, config.requestTimeout().toSeconds() / 4);
    }

    @PreDestroy
    void shutdown() {
        pool.shutdownNow();
    }
}
