package org.medlabel.inference.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelType;

class VolumeCacheTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final List<String> loaded = new ArrayList<>();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void evictsTheLeastRecentlyUsedVolumesUntilTheBytesFit() throws IOException {
        VolumeCache cache = new VolumeCache(300);
        get(cache, "a", 100);
        get(cache, "b", 100);
        get(cache, "c", 100);
        assertTrue(get(cache, "a", 100).hit(), "a is now the most recently used");

        get(cache, "d", 100);

        assertEquals(List.of("a", "b", "c", "d"), loaded);
        assertEquals(new VolumeCache.Stats(1, 4, 1, 300), cache.stats());
        assertTrue(get(cache, "a", 100).hit());
        assertTrue(get(cache, "c", 100).hit());
        assertTrue(get(cache, "d", 100).hit());

        // 150 bytes (75 int16 voxels) push out the two least recently used: a, then c.
        get(cache, "e", 75, VoxelType.INT16);

        assertEquals(new VolumeCache.Stats(4, 5, 3, 100 + 150), cache.stats());
        assertTrue(get(cache, "d", 100).hit());
        assertFalse(get(cache, "a", 100).hit());
    }

    @Test
    void countsHitsAndMisses() throws IOException {
        VolumeCache cache = new VolumeCache(1000);
        VolumeCache.Lookup first = get(cache, "a", 10);
        VolumeCache.Lookup second = get(cache, "a", 10);

        assertFalse(first.hit());
        assertTrue(second.hit());
        assertSame(first.volume(), second.volume());
        assertEquals(List.of("a"), loaded);
        assertEquals(new VolumeCache.Stats(1, 1, 0, 10), cache.stats());
    }

    @Test
    void sameIdWithAnotherChecksumIsAMissAndReplacesTheOldDecode() throws IOException {
        VolumeCache cache = new VolumeCache(1000);
        get(cache, new ImageRef("a", "a.nii.gz", "sha-1", 1), 10);
        get(cache, "b", 20);

        VolumeCache.Lookup reupload = get(cache, new ImageRef("a", "a.nii.gz", "sha-2", 1), 30);

        assertFalse(reupload.hit());
        assertEquals(3, loaded.size());
        assertEquals(new VolumeCache.Stats(0, 3, 1, 20 + 30), cache.stats());
        assertTrue(get(cache, new ImageRef("a", "a.nii.gz", "sha-2", 1), 30).hit());
    }

    @Test
    void volumesLargerThanTheWholeBudgetAreReturnedButNotCached() throws IOException {
        VolumeCache cache = new VolumeCache(100);
        get(cache, "small", 60);

        VolumeCache.Lookup huge = get(cache, "huge", 101);

        assertEquals(101, huge.volume().voxelCount());
        assertFalse(get(cache, "huge", 101).hit());
        assertTrue(get(cache, "small", 60).hit(), "the cached volumes stay");
        assertEquals(List.of("small", "huge", "huge"), loaded);
        assertEquals(new VolumeCache.Stats(1, 3, 0, 60), cache.stats());
    }

    @Test
    void concurrentRequestsForOneImageDecodeItOnce() throws Exception {
        VolumeCache cache = new VolumeCache(1000);
        ImageRef ref = ref("a");
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        VolumeCache.Loader slowLoader = () -> {
            loads.incrementAndGet();
            await(release);
            return volume(10, VoxelType.UINT8);
        };

        Future<VolumeCache.Lookup> first = threads.submit(() -> cache.get(ref, slowLoader));
        Future<VolumeCache.Lookup> second = threads.submit(() -> cache.get(ref, slowLoader));
        awaitMisses(cache, 2);
        release.countDown();

        assertSame(first.get().volume(), second.get().volume());
        assertEquals(1, loads.get());
        assertFalse(first.get().hit());
        assertFalse(second.get().hit(), "the second request waited for the decode");
        assertEquals(new VolumeCache.Stats(0, 2, 0, 10), cache.stats());
    }

    @Test
    void aFailedDecodeReachesEveryWaiterAndIsRetriedNextTime() throws Exception {
        VolumeCache cache = new VolumeCache(1000);
        ImageRef ref = ref("a");
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        IOException failure = new IOException("datastore went away mid-stream");
        VolumeCache.Loader failingLoader = () -> {
            loads.incrementAndGet();
            await(release);
            throw failure;
        };

        Future<VolumeCache.Lookup> first = threads.submit(() -> cache.get(ref, failingLoader));
        Future<VolumeCache.Lookup> second = threads.submit(() -> cache.get(ref, failingLoader));
        awaitMisses(cache, 2);
        release.countDown();

        assertSame(failure, assertThrows(Exception.class, first::get).getCause());
        assertSame(failure, assertThrows(Exception.class, second::get).getCause());
        assertEquals(1, loads.get());
        assertEquals(0, cache.stats().bytes());

        VolumeCache.Lookup retry = cache.get(ref, () -> {
            loads.incrementAndGet();
            return volume(10, VoxelType.UINT8);
        });
        assertFalse(retry.hit());
        assertEquals(2, loads.get());
        assertTrue(cache.get(ref, () -> {
                    throw new AssertionError("cached: not decoded again");
                })
                .hit());
    }

    @Test
    void uncheckedFailuresAreNotCachedEither() throws IOException {
        VolumeCache cache = new VolumeCache(1000);
        ImageRef ref = ref("a");
        ImageNotFoundException gone = new ImageNotFoundException("a");

        assertSame(
                gone,
                assertThrows(
                        ImageNotFoundException.class,
                        () -> cache.get(ref, () -> {
                            throw gone;
                        })));
        assertFalse(get(cache, "a", 10).hit());
    }

    private VolumeCache.Lookup get(VolumeCache cache, String id, int voxels) throws IOException {
        return get(cache, ref(id), voxels);
    }

    private VolumeCache.Lookup get(VolumeCache cache, String id, int voxels, VoxelType type) throws IOException {
        return get(cache, ref(id), voxels, type);
    }

    private VolumeCache.Lookup get(VolumeCache cache, ImageRef ref, int voxels) throws IOException {
        return get(cache, ref, voxels, VoxelType.UINT8);
    }

    private VolumeCache.Lookup get(VolumeCache cache, ImageRef ref, int voxels, VoxelType type) throws IOException {
        return cache.get(ref, () -> {
            loaded.add(ref.id());
            return volume(voxels, type);
        });
    }

    private static ImageRef ref(String id) {
        return new ImageRef(id, id + ".nii.gz", "sha-of-" + id, 1);
    }

    /** A 1 x 1 x {@code voxels} volume: {@code voxels * type.bytes()} bytes. */
    private static Volume volume(int voxels, VoxelType type) {
        return Volume.zeros(1, 1, voxels, 1, type, Affine.scaling(1, 1, 1, 0, 0, 0));
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Both requests have asked (the second one is then waiting on the first one's decode, not starting its own). */
    private static void awaitMisses(VolumeCache cache, long misses) throws InterruptedException {
        while (cache.stats().misses() < misses) {
            Thread.sleep(1);
        }
    }

    @Test
    void theBudgetNeverExceedsAThirdOfTheHeap() {
        assertEquals(1L << 30, VolumeCache.withinHeap(1L << 30, 4L << 30));
        assertEquals((3L << 30) / 3, VolumeCache.withinHeap(2L << 30, 3L << 30));
    }
}
