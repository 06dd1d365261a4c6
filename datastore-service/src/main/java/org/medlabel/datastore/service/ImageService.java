package org.medlabel.datastore.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.api.event.ImageAdded;
import org.medlabel.api.event.ImageRemoved;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.messaging.Outbox;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.storage.ObjectStorage;
import org.medlabel.datastore.storage.StoredObject;
import org.medlabel.imaging.io.ImageHeader;
import org.medlabel.platform.objectstore.BucketLayout;

/**
 * Images: validated, stored under a fresh object key, then recorded with their {@code ImageAdded} event in one
 * transaction. A failure before the commit leaves nothing visible (the new object is removed, or stays an invisible
 * orphan); a replaced image's old object is removed after the commit.
 */
@ApplicationScoped
public class ImageService {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ImageService.class);

    private final ObjectStorage storage;
    private final VolumeProbe probe;
    private final DicomUpload dicom;
    private final Outbox outbox;

    public ImageService(ObjectStorage storage, VolumeProbe probe, DicomUpload dicom, Outbox outbox) {
        this.storage = storage;
        this.probe = probe;
        this.dicom = dicom;
        this.outbox = outbox;
    }

    /** Adds (or replaces) an image; returns it. */
    public ImageEntity add(String explicitId, Upload upload) {
        return add(explicitId, List.of(upload));
    }

    /**
     * Adds (or replaces) an image from one volume file, or from the DICOM files (or zips of them) of one series, which
     * are stored as a NIfTI volume; the id defaults to the first file's name minus its suffixes.
     */
    public ImageEntity add(String explicitId, List<Upload> uploads) {
        Upload first = uploads.get(0);
        String id = Names.imageId(explicitId, first.fileName());
        if (uploads.size() == 1 && !DicomUpload.isDicom(first)) {
            return store(id, first);
        }
        for (Upload upload : uploads) {
            if (!DicomUpload.isDicom(upload)) {
                throw new DatastoreException(
                        ErrorCode.UNSUPPORTED_FORMAT,
                        "'" + Names.baseName(upload.fileName()) + "': several files are accepted only as the DICOM"
                                + " files (.dcm) or zips of one series");
            }
        }
        Upload volume = dicom.toVolume(uploads);
        try {
            return store(id, volume);
        } finally {
            volume.discard();
        }
    }

    private ImageEntity store(String id, Upload upload) {
        String ext = Names.requireExt(Names.ext(upload.fileName()));
        VolumeProbe.Format format = VolumeProbe.Format.of(ext);
        long t0 = System.nanoTime();
        ImageHeader header = probe.probe(upload.file(), format);
        long t1 = System.nanoTime();
        String key = BucketLayout.newImage(id, ext);
        StoredObject stored = storage.put(key, upload.file(), "application/octet-stream");
        long t2 = System.nanoTime();
        LOG.infof(
                "image %s: %d bytes, probe %d ms, store %d ms",
                id, stored.sizeBytes(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
        String[] replaced = new String[1];
        try {
            ImageEntity saved = QuarkusTransaction.requiringNew().call(() -> {
                ImageEntity image = ImageEntity.findById(id);
                Instant now = Instant.now();
                if (image == null) {
                    image = new ImageEntity();
                    image.id = id;
                    image.createdAt = now;
                } else {
                    replaced[0] = image.objectKey;
                }
                image.ext = ext;
                image.objectKey = key;
                image.sizeBytes = stored.sizeBytes();
                image.sha256 = stored.sha256();
                image.format = format.name().toLowerCase();
                image.dims = header.dimensions();
                image.components = header.components();
                image.spacing = header.affine().spacing();
                image.affine = header.affine().toArray();
                Map<String, Object> info = new HashMap<>(image.info);
                info.putAll(upload.params());
                info.put("ts", now.getEpochSecond());
                info.put("name", image.fileName());
                info.put("user", upload.author());
                image.info = info;
                image.updatedAt = now;
                image.persist();
                outbox.add(ImageAdded.of(id, key, stored.sizeBytes(), stored.sha256()));
                return image;
            });
            if (replaced[0] != null) {
                storage.deleteQuietly(replaced[0]);
            }
            return saved;
        } catch (RuntimeException e) {
            storage.deleteQuietly(key);
            throw e;
        }
    }

    /** Whether an image with this id is stored. */
    public boolean exists(String id) {
        return QuarkusTransaction.requiringNew().call(() -> ImageEntity.findById(id) != null);
    }

    public ImageEntity get(String id) {
        ImageEntity image = ImageEntity.findById(Names.requireId(id));
        if (image == null) {
            throw new DatastoreException(ErrorCode.IMAGE_NOT_FOUND, "image '" + id + "' not found");
        }
        return image;
    }

    /** The image's bytes; the caller closes the stream. */
    public InputStream open(ImageEntity image) {
        return storage.get(image.objectKey);
    }

    /** Merges {@code info} into the image's info (MONAI Label's PUT /datastore/image/info), recording the user. */
    public Map<String, Object> mergeInfo(String id, Map<String, Object> info, String clientId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            ImageEntity image = get(id);
            Map<String, Object> merged = new HashMap<>(image.info);
            merged.putAll(info);
            merged.put("user", clientId);
            image.info = merged;
            image.updatedAt = Instant.now();
            return merged;
        });
    }

    /** Removes an image and all its labels; their objects go after the commit. */
    public void delete(String id) {
        List<String> keys = QuarkusTransaction.requiringNew().call(() -> {
            ImageEntity image = get(id);
            List<String> objectKeys = new ArrayList<>();
            objectKeys.add(image.objectKey);
            LabelEntity.<LabelEntity>list("imageId", id).forEach(l -> objectKeys.add(l.objectKey));
            LabelEntity.delete("imageId", id);
            image.delete();
            outbox.add(ImageRemoved.of(id));
            return objectKeys;
        });
        keys.forEach(storage::deleteQuietly);
    }
}
