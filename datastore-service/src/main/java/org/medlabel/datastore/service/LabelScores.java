package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.imaging.volume.VoxelBuffer;

/**
 * MONAI Label's {@code dice} and {@code sum} scoring of one image's labels (the gateway's scoring task walks the
 * images), computed on the stored label files and written where MONAI Label writes them: {@code dice} into the image's
 * info, {@code sum} and {@code slices} into each label's info.
 */
@ApplicationScoped
public class LabelScores {

    /** The tags {@code sum} scores, as MONAI Label's {@code Sum} method. */
    static final List<String> SUM_TAGS = List.of("final", "original");

    private final LabelService labels;
    private final ImageService images;
    private final VolumeReader reader;

    public LabelScores(LabelService labels, ImageService images, DatastoreConfig config) {
        this.labels = labels;
        this.images = images;
        this.reader = new VolumeReader(config.maxVoxels());
    }

    /**
     * Flattened Dice of the raw label values, 2·Σ(y·ŷ) / (Σy + Σŷ), 1 when both are empty (MONAI Label's {@code dice}
     * scoring), of the latest {@code y} and {@code yPred} labels; 404 when either is missing, 422 on different grids.
     */
    public Map<String, Object> dice(String imageId, String y, String yPred) {
        Volume truth = read(labels.get(imageId, y, null));
        Volume predicted = read(labels.get(imageId, yPred, null));
        if (truth.voxelCount() != predicted.voxelCount()
                || truth.nx() != predicted.nx()
                || truth.ny() != predicted.ny()) {
            throw new DatastoreException(
                    ErrorCode.LABEL_GRID_MISMATCH,
                    "labels '" + y + "' and '" + yPred + "' of image '" + imageId + "' are on different grids");
        }
        double both = 0, sum = 0;
        VoxelBuffer a = truth.voxels(), b = predicted.voxels();
        for (int i = 0; i < a.length(); i++) {
            double u = a.get(i), v = b.get(i);
            both += u * v;
            sum += u + v;
        }
        double dice = sum == 0 ? 1 : 2 * both / sum;
        images.mergeInfo(imageId, Map.of("dice", dice), "scoring");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dice", dice);
        out.put("y", y);
        out.put("y_pred", yPred);
        return out;
    }

    /**
     * For each of the image's {@code final} and {@code original} labels: the sum of its values and the number of slices
     * along the first voxel axis with any non-zero value (MONAI Label's {@code sum} scoring), merged into the label's
     * info; the tags scored, each with its numbers (none when the image has neither label).
     */
    public Map<String, Object> sum(String imageId) {
        images.get(imageId);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String tag : SUM_TAGS) {
            Optional<LabelEntity> label = labels.latest(imageId, tag);
            if (label.isEmpty()) {
                continue;
            }
            Volume v = read(label.get());
            // one pass in storage order (x fastest): the sum, and which x-slices hold a non-zero voxel
            VoxelBuffer voxels = v.voxels();
            boolean[] used = new boolean[v.nx()];
            double total = 0;
            for (int i = 0; i < voxels.length(); i++) {
                double value = voxels.get(i);
                if (value != 0) {
                    total += value;
                    used[i % v.nx()] = true;
                }
            }
            int slices = 0;
            for (boolean u : used) {
                slices += u ? 1 : 0;
            }
            Map<String, Object> scores = Map.of("sum", (long) total, "slices", slices);
            labels.mergeInfo(imageId, tag, scores);
            out.put(tag, scores);
        }
        return out;
    }

    private Volume read(LabelEntity label) {
        try (InputStream in = labels.open(label)) {
            return reader.read(in, label.imageId + label.ext);
        } catch (IOException e) {
            throw new DatastoreException(
                    ErrorCode.STORAGE_UNAVAILABLE,
                    "label '" + label.tag + "' of image '" + label.imageId + "' could not be read: " + e.getMessage());
        }
    }
}
