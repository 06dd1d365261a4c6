package org.medlabel.inference.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.medlabel.inference.config.InferenceConfig;

/**
 * The pool runs what fits, refuses what does not with a Retry-After, gives up on what runs past its deadline, and gives
 * the worker back when a request ends early: a waiting one never starts, a running one is told to stop.
 */
class InferenceExecutorTest {

    private static InferenceConfig config(int workers, int queue, Duration timeout) {
        return new InferenceConfig() {
            public String app() {
                return "radiology";
            }

            public String device() {
                return "cpu";
            }

            public int workers() {
                return workers;
            }

            public Optional<Integer> intraOpThreads() {
                return Optional.of(1);
            }

            public int queueSize() {
                return queue;
            }

            public Duration requestTimeout() {
                return timeout;
            }

            public long maxUploadBytes() {
                return 1 << 20;
            }

            public Path workDirectory() {
                return Path.of("target");
            }
        };
    }

    @Test
    void aFullQueueRefusesAtOnceWithRetryAfter() throws Exception {
        InferenceExecutor executor = new InferenceExecutor(config(1, 1, Duration.ofSeconds(30)));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        var running = executor.submit(c -> {
                    started.countDown();
                    return release.await(10, TimeUnit.SECONDS);
                })
                .subscribeAsCompletionStage();
        assertTrue(started.await(5, TimeUnit.SECONDS));
        var queued = executor.submit(c -> "queued").subscribeAsCompletionStage();
        Throwable refused = failure(executor.submit(c -> "third"));
        assertInstanceOf(Overloaded.class, refused);
        assertEquals(1L, executor.counts().get("refused"));
        assertEquals(1L, executor.counts().get("running"));
        assertEquals(1L, executor.counts().get("waiting"));
        assertTrue(((Overloaded) refused).retryAfterSeconds() >= 1);
        assertTrue(refused.getMessage().contains("queue is full"), refused.getMessage());
        release.countDown();
        assertEquals(true, running.get(5, TimeUnit.SECONDS));
        assertEquals("queued", queued.get(5, TimeUnit.SECONDS));
        executor.shutdown();
    }

    @Test
    void aRequestPastItsDeadlineIsAnswered503() {
        InferenceExecutor executor = new InferenceExecutor(config(1, 4, Duration.ofMillis(200)));
        Throwable late = failure(executor.submit(c -> {
            Thread.sleep(2000);
            return "late";
        }));
        assertInstanceOf(Overloaded.class, late);
        assertTrue(late.getMessage().contains("did not finish"), late.getMessage());
        executor.shutdown();
    }

    @Test
    void aRunningRequestPastItsDeadlineIsToldToStopAndFreesItsWorker() throws Exception {
        InferenceExecutor executor = new InferenceExecutor(config(1, 4, Duration.ofMillis(300)));
        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        Throwable late = failure(executor.submit(untilCancelled(new CountDownLatch(1), stopped)));
        assertInstanceOf(Overloaded.class, late);
        assertTrue(stopped.get(5, TimeUnit.SECONDS), "the running work saw the cancel");
        assertEquals("next", executor.submit(c -> "next").await().atMost(Duration.ofSeconds(5)));
        assertEquals(1L, executor.counts().get("stopped"));
        assertEquals(1L, executor.counts().get("finished"));
        executor.shutdown();
    }

    @Test
    void aRequestWhoseDeadlinePassesWhileItWaitsNeverStarts() throws Exception {
        InferenceExecutor executor = new InferenceExecutor(config(1, 4, Duration.ofMillis(300)));
        CountDownLatch release = new CountDownLatch(1);
        // the first ignores its cancel (as a pass that cannot be interrupted would) and holds the worker
        var blocker = executor.submit(c -> release.await(10, TimeUnit.SECONDS)).subscribeAsCompletionStage();
        AtomicBoolean ran = new AtomicBoolean();
        Throwable late = failure(executor.submit(c -> {
            ran.set(true);
            return "ran";
        }));
        assertInstanceOf(Overloaded.class, late);
        release.countDown();
        assertThrows(Exception.class, () -> blocker.get(5, TimeUnit.SECONDS), "the blocker's answer went nowhere");
        assertEquals("after", executor.submit(c -> "after").await().atMost(Duration.ofSeconds(5)));
        assertFalse(ran.get(), "the abandoned request was skipped");
        assertEquals(1L, executor.counts().get("skipped"));
        executor.shutdown();
    }

    @Test
    void aClientThatGoesAwayStopsItsInference() throws Exception {
        InferenceExecutor executor = new InferenceExecutor(config(1, 4, Duration.ofSeconds(30)));
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        var request =
                executor.submit(untilCancelled(started, stopped)).subscribe().with(x -> {}, e -> {});
        assertTrue(started.await(5, TimeUnit.SECONDS));
        request.cancel(); // what the HTTP layer does when the connection closes
        assertTrue(stopped.get(5, TimeUnit.SECONDS));
        executor.shutdown();
    }

    /** Work that runs until it is cancelled (20 s at most), then says whether it was. */
    private static InferenceExecutor.Work<String> untilCancelled(
            CountDownLatch started, CompletableFuture<Boolean> stopped) {
        return c -> {
            started.countDown();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!c.cancelled() && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            stopped.complete(c.cancelled());
            c.check();
            return "finished";
        };
    }

    private static Throwable failure(Uni<?> uni) {
        return uni.onItem()
                .transform(x -> (Throwable) null)
                .onFailure()
                .recoverWithItem(e -> e)
                .await()
                .atMost(Duration.ofSeconds(10));
    }
}
