package org.medlabel.app.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.medlabel.app.config.Inferer;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;
import org.medlabel.ml.onnx.SlowNetwork;
import org.medlabel.ml.runtime.Cancellation;

/** A cancelled request's network passes stop: the one in progress between operators, later ones before starting. */
class CancellationTest {

    private static final Inferer WHOLE = new Inferer("whole", null, null, null);

    private static OrtSession slow;

    @BeforeAll
    static void network() throws Exception {
        slow = OrtEnvironment.getEnvironment().createSession(SlowNetwork.onnx(200), new OrtSession.SessionOptions());
    }

    @AfterAll
    static void close() throws Exception {
        slow.close();
    }

    private static Volume input() {
        return new Volume(
                64, 64, 64, 1, Affine.scaling(1, 1, 1, 0, 0, 0), new VoxelBuffer.Float32(new float[64 * 64 * 64]));
    }

    @Test
    void aCancelStopsThePassInProgressAndSaysWhy() throws Exception {
        try (Cancellation cancellation = Cancellation.create()) {
            CountDownLatch starting = new CountDownLatch(1);
            CompletableFuture<Volume> pass = CompletableFuture.supplyAsync(() -> {
                starting.countDown();
                try {
                    return NetworkRunner.run(slow, input(), WHOLE, cancellation);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(starting.await(5, TimeUnit.SECONDS));
            Thread.sleep(300);
            cancellation.cancel("deadline passed");
            Throwable e = assertThrows(Exception.class, () -> pass.get(30, TimeUnit.SECONDS))
                    .getCause();
            e = e instanceof RuntimeException && e.getCause() != null ? e.getCause() : e;
            assertInstanceOf(Cancellation.CancelledException.class, e);
            assertEquals("stopped: deadline passed", e.getMessage());
        }
    }

    @Test
    void aCancelledRequestStartsNoFurtherPass() throws Exception {
        try (Cancellation cancellation = Cancellation.create()) {
            cancellation.cancel("client gone");
            cancellation.cancel("deadline passed");
            var e = assertThrows(
                    Cancellation.CancelledException.class,
                    () -> NetworkRunner.run(
                            slow,
                            input(),
                            new Inferer("sliding_window", List.of(16, 16, 16), 0.25, null),
                            cancellation));
            assertEquals("stopped: client gone", e.getMessage(), "the first reason is kept");
            assertThrows(Cancellation.CancelledException.class, cancellation::check);
        }
    }

    @Test
    void noneAndClosedCancellationsIgnoreCancels() throws Exception {
        Cancellation.NONE.cancel("ignored");
        assertFalse(Cancellation.NONE.cancelled());
        Cancellation closed = Cancellation.create();
        closed.close();
        closed.cancel("after the request ended");
        assertFalse(closed.cancelled());
    }
}
