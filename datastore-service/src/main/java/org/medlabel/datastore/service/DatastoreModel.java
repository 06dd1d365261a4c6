package org.medlabel.datastore.service;

import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;

/**
 * MONAI Label's datastore model ({@code datastore_v2.json}): the shape of {@code GET /datastore/?output=all} and of the
 * dataset export's {@code metadata.json}.
 */
public final class DatastoreModel {

    private DatastoreModel() {}

    /** One image's entry: {@code {"image": {ext, info}, "labels": {tag: {ext, info}}}}. */
    public static Map<String, Object> entry(ImageEntity image, Map<String, LabelEntity> labels) {
        Map<String, Object> tags = new LinkedHashMap<>();
        labels.forEach((tag, l) -> tags.put(tag, Map.of("ext", l.ext, "info", l.info)));
        return Map.of("image", Map.of("ext", image.ext, "info", image.info), "labels", tags);
    }

    /** The document around the entries ({@code objects}: image id -> entry). */
    public static Map<String, Object> document(Map<String, Object> objects, String imagesDir, String labelsDir) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("name", "new-dataset");
        model.put("description", "New Dataset");
        model.put("images_dir", imagesDir);
        model.put("labels_dir", labelsDir);
        model.put("objects", objects);
        return model;
    }
}
