package org.medlabel.datastore.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.SessionEntity;
import org.medlabel.datastore.storage.ObjectStorage;
import org.medlabel.platform.objectstore.BucketLayout;

/**
 * Sessions: files uploaded for inference only (MONAI Label's {@code /session/}), never labels or training data. The
 * first file is the image (checked like any image); a session lives {@code expiry} seconds after its last use (capped
 * by {@code sessions.max-expiry}, 0 = the cap) and the sweeper removes it then.
 */
@ApplicationScoped
public class SessionService {

    private static final Logger LOG = Logger.getLogger(SessionService.class);

    private final ObjectStorage storage;
    private final VolumeProbe probe;
    private final long maxExpiry;

    public SessionService(ObjectStorage storage, VolumeProbe probe, DatastoreConfig config) {
        this.storage = storage;
        this.probe = probe;
        this.maxExpiry = config.sessions().maxExpiry().toSeconds();
    }

    public SessionEntity create(List<Upload> uploads, Integer expiry) {
        if (uploads.isEmpty()) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "a session needs at least one file ('files')");
        }
        if (expiry != null && expiry < 0) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "expiry must be >= 0 seconds, was " + expiry);
        }
        Upload image = uploads.get(0);
        String imageExt = Names.requireExt(Names.ext(image.fileName()));
        probe.probe(image.file(), VolumeProbe.Format.of(imageExt));
        UUID id = UUID.randomUUID();
        List<String> keys = new ArrayList<>();
        try {
            long size = 0;
            for (int i = 0; i < uploads.size(); i++) {
                Upload u = uploads.get(i);
                String ext = i == 0 ? imageExt : Names.requireExt(Names.ext(u.fileName()));
                String key = BucketLayout.sessionFile(id, i, ext);
                size += storage.put(key, u.file(), "application/octet-stream").sizeBytes();
                keys.add(key);
            }
            long total = size;
            return QuarkusTransaction.requiringNew().call(() -> {
                SessionEntity s = new SessionEntity();
                s.id = id;
                s.files = keys.toArray(String[]::new);
                s.imageName = Names.baseName(image.fileName());
                s.sizeBytes = total;
                s.meta = new HashMap<>(image.params());
                s.createdAt = Instant.now();
                s.lastAccessAt = s.createdAt;
                s.expirySeconds = (int) (expiry == null || expiry == 0 ? maxExpiry : Math.min(expiry, maxExpiry));
                s.expiresAt = s.createdAt.plusSeconds(s.expirySeconds);
                s.persist();
                return s;
            });
        } catch (RuntimeException e) {
            keys.forEach(storage::deleteQuietly);
            throw e;
        }
    }

    /** The session; {@code touch} renews its expiry from now (MONAI Label's {@code update_ts}). */
    public SessionEntity get(String id, boolean touch) {
        UUID uuid = parse(id);
        return QuarkusTransaction.requiringNew().call(() -> {
            SessionEntity s = SessionEntity.findById(uuid);
            if (s == null || s.expiresAt.isBefore(Instant.now())) {
                throw new DatastoreException(ErrorCode.SESSION_NOT_FOUND, "session (" + id + ") not found");
            }
            if (touch) {
                s.lastAccessAt = Instant.now();
                s.expiresAt = s.lastAccessAt.plusSeconds(s.expirySeconds);
            }
            return s;
        });
    }

    public InputStream openImage(SessionEntity s) {
        return storage.get(s.files[0]);
    }

    public SessionEntity delete(String id) {
        SessionEntity s = get(id, false);
        remove(s);
        return s;
    }

    /** Removes expired sessions, rows first: an object without a row is invisible, a row without objects is not. */
    @Scheduled(every = "${medlabel.datastore.sessions.sweep-interval:60s}", delayed = "10s")
    void sweep() {
        List<SessionEntity> expired = QuarkusTransaction.requiringNew()
                .call(() -> SessionEntity.<SessionEntity>list("expiresAt < ?1", Instant.now()));
        expired.forEach(this::remove);
        if (!expired.isEmpty()) {
            LOG.infof("removed %d expired session(s)", expired.size());
        }
    }

    private void remove(SessionEntity s) {
        QuarkusTransaction.requiringNew().run(() -> SessionEntity.deleteById(s.id));
        Arrays.stream(s.files).forEach(storage::deleteQuietly);
    }

    private static UUID parse(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new DatastoreException(ErrorCode.SESSION_NOT_FOUND, "session (" + id + ") not found");
        }
    }
}
