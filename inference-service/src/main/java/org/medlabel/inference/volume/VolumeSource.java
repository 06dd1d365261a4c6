package org.medlabel.inference.volume;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.platform.datastore.DatastoreNotFoundException;

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
        DatastoreClient.Image image = found("image", imageId, () -> client.image(imageId));
        return load(
                new ImageRef(image.id(), image.name(), image.sha256(), image.sizeBytes()),
                () -> found("image", imageId, () -> client.openImage(imageId)));
    }

    /**
     * A session's image (cached like an image: repeated clicks on it decode once): a session never changes, so its id
     * stands for the checksum, under a key no image id can take.
     */
    public Loaded loadSession(String sessionId) throws IOException {
        DatastoreClient.Session session = found("session", sessionId, () -> client.session(sessionId));
        String key = "session:" + sessionId;
        return load(
                new ImageRef(key, session.image(), key, 0),
                () -> found("session", sessionId, () -> client.openSession(sessionId)));
    }

    private Loaded load(ImageRef ref, Supplier<DatastoreClient.Download> bytes) throws IOException {
        VolumeCache.Lookup lookup = cache.get(ref, () -> {
            try (InputStream in = bytes.get().body()) {
                return decoder.decode(in, ref.fileName());
            }
        });
        return new Loaded(ref, lookup.volume(), lookup.hit());
    }

    private static <T> T found(String what, String id, Supplier<T> call) {
        try {
            return call.get();
        } catch (DatastoreNotFoundException e) {
            throw new ImageNotFoundException(what, id);
        }
    }
}
