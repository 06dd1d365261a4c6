package org.medlabel.inference.volume;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;
import org.medlabel.imaging.volume.Volume;

/**
 * Decoded volumes, least recently used evicted first once their voxel bytes exceed the budget: interactive clicks hit
 * the same image many times, and decoding a CT costs seconds. Entries are keyed by image id and checksum, so a
 * re-upload under the same id is decoded afresh (and the old decode dropped). Concurrent requests for an image being
 * decoded wait for that one decode; a failed decode is handed to them and not kept.
 */
@ApplicationScoped
public class VolumeCache {

    /** Decodes an image on a miss. */
    @FunctionalInterface
    public interface Loader {
        Volume load() throws IOException;
    }

    /** A volume and whether it was already decoded when asked for. */
    public record Lookup(Volume volume, boolean hit) {}

    /** Counters since start and the bytes held now. */
    public record Stats(long hits, long misses, long evictions, long bytes) {}

    private record Key(String imageId, String sha256) {}

    private final long maxBytes;
    private final Object lock = new Object();
    private final LinkedHashMap<Key, Volume> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Key, CompletableFuture<Volume>> loading = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;

    /**
     * The configured budget, but never more than a third of the heap: decoded volumes live there, and a request's own
     * working volumes need the rest.
     */
    @Inject
    public VolumeCache(VolumeCacheConfig config) {
        this(withinHeap(config.maxBytes(), Runtime.getRuntime().maxMemory()));
    }

    static long withinHeap(long configured, long heap) {
        long limit = heap / 3;
        if (configured > limit) {
            Logger.getLogger(VolumeCache.class)
                    .warnf(
                            "volume cache of %d bytes does not fit a %d-byte heap; using %d (raise -Xmx or lower"
                                    + " medlabel.inference.cache.max-bytes)",
                            configured, heap, limit);
            return limit;
        }
        return configured;
    }

    public VolumeCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * The cached volume of {@code ref}, or the one {@code loader} decodes. A request that waits for another's decode
     * counts as a miss: it paid the decode time. The loader's exceptions reach every waiting request unchanged.
     */
    public Lookup get(ImageRef ref, Loader loader) throws IOException {
        Key key = new Key(ref.id(), ref.sha256());
        CompletableFuture<Volume> decode;
        boolean mine = false;
        synchronized (lock) {
            Volume cached = entries.get(key);
            if (cached != null) {
                hits++;
                return new Lookup(cached, true);
            }
            misses++;
            decode = loading.get(key);
            if (decode == null) {
                decode = new CompletableFuture<>();
                loading.put(key, decode);
                mine = true;
            }
        }
        return new Lookup(mine ? load(key, loader, decode) : await(ref, decode), false);
    }

    public Stats stats() {
        synchronized (lock) {
            return new Stats(hits, misses, evictions, bytes);
        }
    }

    private Volume load(Key key, Loader loader, CompletableFuture<Volume> decode) throws IOException {
        Volume volume;
        try {
            volume = Objects.requireNonNull(loader.load(), "loader returned null");
        } catch (Throwable e) {
            synchronized (lock) {
                loading.remove(key);
            }
            decode.completeExceptionally(e);
            throw e;
        }
        // Cached in the same step as it stops loading, so no request in between starts a second decode.
        synchronized (lock) {
            loading.remove(key);
            put(key, volume);
        }
        decode.complete(volume);
        return volume;
    }

    private void put(Key key, Volume volume) {
        Iterator<Map.Entry<Key, Volume>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Volume> entry = it.next();
            // A re-upload: only the newest checksum of an image is asked for again.
            if (entry.getKey().imageId().equals(key.imageId())) {
                evict(it, entry);
            }
        }
        long size = sizeOf(volume);
        if (size > maxBytes) {
            return;
        }
        entries.put(key, volume);
        bytes += size;
        for (it = entries.entrySet().iterator(); bytes > maxBytes; ) {
            evict(it, it.next());
        }
    }

    private void evict(Iterator<Map.Entry<Key, Volume>> it, Map.Entry<Key, Volume> entry) {
        bytes -= sizeOf(entry.getValue());
        evictions++;
        it.remove();
    }

    private static long sizeOf(Volume volume) {
        return (long) volume.voxels().length() * volume.type().bytes();
    }

    private static Volume await(ImageRef ref, CompletableFuture<Volume> decode) throws IOException {
        try {
            return decode.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for image '" + ref.id() + "' to be decoded");
        } catch (ExecutionException e) {
            // The decoding request's exception itself, so that its type still decides the HTTP status.
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw (Error) cause;
        }
    }
}
