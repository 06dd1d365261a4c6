package org.medlabel.inference.volume;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import org.medlabel.imaging.volume.Volume;

/** The decoded volume of a datastore image, from the cache when its current bytes were decoded before. */
@ApplicationScoped
public class VolumeSource {

    /** An image's metadata, its volume, and whether the volume came from the cache without waiting for a decode. */
    public record Loaded(ImageRef ref, Volume volume, boolean cacheHit) {}

    private final DatastoreClient client;
    private final VolumeCache cache;
    private final ImageDecoder decoder;

    public VolumeSource(DatastoreClient client, VolumeCache cache, ImageDecoder decoder) {
        this.client = client;
        this.cache = cache;
        this.decoder = decoder;
    }

    /**
     * Asks the datastore for the image's current checksum on every call, so that a re-upload is never answered from
     * the cache; the bytes are fetched only on a miss.
     */
    public Loaded load(String imageId) throws IOException {
        return load(client.describe(imageId), () -> client.open(imageId));
    }

    /** A session's image (cached like an image: repeated clicks on it decode once). */
    public Loaded loadSession(String sessionId) throws IOException {
        return load(client.describeSession(sessionId), () -> client.openSession(sessionId));
    }

    private Loaded load(ImageRef ref, java.util.function.Supplier<InputStream> bytes) throws IOException {
        VolumeCache.Lookup lookup = cache.get(ref, () -> {
            try (InputStream in = bytes.get()) {
                return decoder.decode(in, ref.fileName());
            }
        });
        return new Loaded(ref, lookup.volume(), lookup.hit());
    }
}
