package org.medlabel.datastore.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medlabel.api.event.LabelSaved;
import org.medlabel.api.event.LabelScope;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.messaging.Outbox;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.storage.ObjectStorage;
import org.medlabel.datastore.storage.StoredObject;
import org.medlabel.imaging.io.ImageHeader;
import org.medlabel.imaging.volume.Affine;
import org.medlabel.platform.objectstore.BucketLayout;

/**
 * Labels, versioned: every save under a tag is a new version (MONAI Label overwrites; we keep history), checked against
 * its image's grid, stored, then recorded with its {@code LabelSaved} event in one transaction that also locks the
 * image row, so concurrent saves of one image get consecutive versions.
 */
@ApplicationScoped
public class LabelService {

    private final ObjectStorage storage;
    private final VolumeProbe probe;
    private final Outbox outbox;
    private final ImageService images;
    private final double affineTolerance;

    public LabelService(
            ObjectStorage storage, VolumeProbe probe, Outbox outbox, ImageService images, DatastoreConfig config) {
        this.storage = storage;
        this.probe = probe;
        this.outbox = outbox;
        this.images = images;
        this.affineTolerance = config.affineTolerance();
    }

    public LabelEntity save(String imageId, String rawTag, Upload upload) {
        String tag = Names.tag(rawTag);
        ImageEntity image = images.get(imageId);
        String named = Names.ext(upload.fileName());
        String ext = Names.requireExt(named.isEmpty() ? Names.DEFAULT_LABEL_EXT : named);
        ImageHeader header = probe.probe(upload.file(), VolumeProbe.Format.of(ext));
        checkGrid(image, header);
        String key = BucketLayout.newLabel(tag, image.id, ext);
        StoredObject stored = storage.put(key, upload.file(), "application/octet-stream");
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                ImageEntity locked = ImageEntity.findById(image.id, LockModeType.PESSIMISTIC_WRITE);
                if (locked == null) {
                    throw new DatastoreException(
                            ErrorCode.IMAGE_NOT_FOUND, "image '" + image.id + "' was deleted while its label uploaded");
                }
                LabelEntity label = new LabelEntity();
                label.imageId = image.id;
                label.tag = tag;
                label.version = latestVersion(image.id, tag) + 1;
                label.ext = ext;
                label.objectKey = key;
                label.sizeBytes = stored.sizeBytes();
                label.sha256 = stored.sha256();
                label.author = upload.author();
                label.createdAt = Instant.now();
                Map<String, Object> info = new HashMap<>(upload.params());
                info.putIfAbsent("client_id", upload.author());
                info.put("ts", label.createdAt.getEpochSecond());
                info.put("name", label.fileName());
                label.info = info;
                label.persist();
                if (tag.equals(Names.FINAL_TAG)) {
                    locked.finalVersion = label.version;
                }
                outbox.add(
                        LabelSaved.of(image.id, tag, label.version, stored.sha256(), LabelScope.of(upload.params())));
                return label;
            });
        } catch (RuntimeException e) {
            storage.deleteQuietly(key);
            throw e;
        }
    }

    /** The latest version of the image's label under {@code tag}, or the given version. */
    public LabelEntity get(String imageId, String rawTag, Integer version) {
        String tag = Names.tag(rawTag);
        Names.requireId(imageId);
        LabelEntity label = version == null
                ? latest(imageId, tag).orElse(null)
                : LabelEntity.findById(new LabelEntity.Key(imageId, tag, version));
        if (label == null) {
            throw new DatastoreException(
                    ErrorCode.LABEL_NOT_FOUND,
                    "no label '" + tag + "'" + (version == null ? "" : " version " + version) + " for image '" + imageId
                            + "'");
        }
        return label;
    }

    /** The latest version of the image's label under {@code tag}, if there is one. */
    public Optional<LabelEntity> latest(String imageId, String tag) {
        return LabelEntity.<LabelEntity>find("imageId = ?1 and tag = ?2 order by version desc", imageId, tag)
                .firstResultOptional();
    }

    public List<LabelEntity> versions(String imageId, String rawTag) {
        List<LabelEntity> all =
                LabelEntity.list("imageId = ?1 and tag = ?2 order by version", imageId, Names.tag(rawTag));
        if (all.isEmpty()) {
            throw new DatastoreException(
                    ErrorCode.LABEL_NOT_FOUND, "no label '" + Names.tag(rawTag) + "' for image '" + imageId + "'");
        }
        return all;
    }

    public InputStream open(LabelEntity label) {
        return storage.get(label.objectKey);
    }

    /** Merges {@code info} into the latest version's info (MONAI Label's PUT /datastore/label/info). */
    public Map<String, Object> mergeInfo(String imageId, String tag, Map<String, Object> info) {
        return mergeInfo(imageId, tag, null, info);
    }

    /** Merges {@code info} into one version's info (the latest when {@code version} is null). */
    public Map<String, Object> mergeInfo(String imageId, String tag, Integer version, Map<String, Object> info) {
        return QuarkusTransaction.requiringNew().call(() -> {
            LabelEntity label = get(imageId, tag, version);
            Map<String, Object> merged = new HashMap<>(label.info);
            merged.putAll(info);
            label.info = merged;
            return merged;
        });
    }

    /** Removes every version of the image's label under {@code tag}. */
    public void delete(String imageId, String rawTag) {
        String tag = Names.tag(rawTag);
        List<String> keys = QuarkusTransaction.requiringNew().call(() -> {
            ImageEntity image = ImageEntity.findById(Names.requireId(imageId), LockModeType.PESSIMISTIC_WRITE);
            List<LabelEntity> all = LabelEntity.list("imageId = ?1 and tag = ?2", imageId, tag);
            if (image == null || all.isEmpty()) {
                throw new DatastoreException(
                        ErrorCode.LABEL_NOT_FOUND, "no label '" + tag + "' for image '" + imageId + "'");
            }
            LabelEntity.delete("imageId = ?1 and tag = ?2", imageId, tag);
            if (tag.equals(Names.FINAL_TAG)) {
                image.finalVersion = null;
            }
            return all.stream().map(l -> l.objectKey).toList();
        });
        keys.forEach(storage::deleteQuietly);
    }

    private static int latestVersion(String imageId, String tag) {
        Integer max = LabelEntity.getEntityManager()
                .createQuery(
                        "select max(l.version) from LabelEntity l where l.imageId = ?1 and l.tag = ?2", Integer.class)
                .setParameter(1, imageId)
                .setParameter(2, tag)
                .getSingleResult();
        return max == null ? 0 : max;
    }

    /** A label must lie on its image's grid: same size, same affine within the tolerance. */
    private void checkGrid(ImageEntity image, ImageHeader label) {
        if (!Arrays.equals(image.dims, label.dimensions())) {
            throw new DatastoreException(
                    ErrorCode.LABEL_GRID_MISMATCH,
                    "label is " + dims(label.dimensions()) + " voxels but image '" + image.id + "' is "
                            + dims(image.dims));
        }
        if (!Affine.of(image.affine).approximatelyEquals(label.affine(), affineTolerance)) {
            throw new DatastoreException(
                    ErrorCode.LABEL_GRID_MISMATCH,
                    "label's affine " + label.affine() + " differs from image '" + image.id + "''s "
                            + Affine.of(image.affine) + " by more than " + affineTolerance + " mm");
        }
    }

    private static String dims(int[] d) {
        return d[0] + "x" + d[1] + "x" + d[2];
    }
}
