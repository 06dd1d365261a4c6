package org.medlabel.inference.work;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.medlabel.inference.config.InferenceConfig;

/** The pool runs what fits, refuses what does not with a Retry-After, and gives up on what runs past its deadline. */
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
        var running = executor.submit(() -> {
                    started.countDown();
                    return release.await(10, TimeUnit.SECONDS);
                })
                .subscribeAsCompletionStage();
        assertTrue(started.await(5, TimeUnit.SECONDS));
        var queued = executor.submit(() -> "queued").subscribeAsCompletionStage();
        Throwable refused = executor.submit(() -> "third")
                .onItem()
                .transform(x -> (Throwable) null)
                .onFailure()
                .recoverWithItem(e -> e)
                .await()
                .atMost(Duration.ofSeconds(5));
        assertInstanceOf(Overloaded.class, refused);
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
        Throwable late = executor.submit(() -> {
                    Thread.sleep(2000);
                    return "late";
                })
                .onItem()
                .transform(x -> (Throwable) null)
                .onFailure()
                .recoverWithItem(e -> e)
                .await()
                .atMost(Duration.ofSeconds(5));
        assertInstanceOf(Overloaded.class, late);
        assertTrue(late.getMessage().contains("did not finish"), late.getMessage());
        executor.shutdown();
    }
}
