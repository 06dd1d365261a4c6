package org.medlabel.imaging.transform;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs per-slice work on a bounded number of threads. Small jobs stay on the caller's thread: below about a million
 * voxels, handing work to other threads costs more than it saves.
 */
public final class Parallel {

    private static final long MIN_PARALLEL_WORK = 1 << 20;

    private final ForkJoinPool pool;

    private Parallel(ForkJoinPool pool) {
        this.pool = pool;
    }

    /** Work on the caller's thread only. */
    public static Parallel sequential() {
        return new Parallel(null);
    }

    /** Work spread over {@code threads} threads of a pool owned by this object (a daemon pool; never shut down). */
    public static Parallel threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        return threads == 1 ? sequential() : new Parallel(new ForkJoinPool(threads));
    }

    /** As many threads as processors. */
    public static Parallel available() {
        return threads(Runtime.getRuntime().availableProcessors());
    }

    /** Calls {@code body} for each index in [0, count), concurrently when the total work is large enough. */
    public void forEach(int count, long work, IntConsumer body) {
        if (pool == null || work < MIN_PARALLEL_WORK || count < 2) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(body)).join();
    }
}
