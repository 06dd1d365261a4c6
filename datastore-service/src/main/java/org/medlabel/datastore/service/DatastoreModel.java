package org.medlabel.datastore.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;

/**
 * MONAI Label's datastore model ({@code datastore_v2.json}): the shape of {@code GET /datastore/?output=all} and of the
 * dataset export's {@code metadata.json}, as records, so the internal API's document types it.
 */
public final class DatastoreModel {

    private DatastoreModel() {}

    /** An image or a label in the model: its file extension and info. */
    public record Item(String ext, Map<String, Object> info) {}

    /** One image's entry: the image, and its labels by tag. */
    public record Entry(Item image, Map<String, Item> labels) {}

    /** The document around the entries ({@code objects}: image id -> entry). */
    public record Document(
            String name,
            String description,
            @JsonProperty("images_dir") String imagesDir,
            @JsonProperty("labels_dir") String labelsDir,
            Map<String, Entry> objects) {}

    /** One page of the document: the entries, and where the next page starts (null on the last page). */
    public record Page(
            String name,
            String description,
            @JsonProperty("images_dir") String imagesDir,
            @JsonProperty("labels_dir") String labelsDir,
            Map<String, Entry> objects,
            @JsonProperty("next_offset") Integer nextOffset,
            @JsonProperty("next_after") String nextAfter) {}

    public static Entry entry(ImageEntity image, Map<String, LabelEntity> labels) {
        Map<String, Item> tags = new LinkedHashMap<>();
        labels.forEach((tag, l) -> tags.put(tag, new Item(l.ext, l.info)));
        return new Entry(new Item(image.ext, image.info), tags);
    }

    public static Document document(Map<String, Entry> objects, String imagesDir, String labelsDir) {
        return new Document(NAME, DESCRIPTION, imagesDir, labelsDir, objects);
    }

    public static Page page(Map<String, Entry> objects, Integer nextOffset, String nextAfter) {
        return new Page(NAME, DESCRIPTION, ".", "labels", objects, nextOffset, nextAfter);
    }

    private static final String NAME = "new-dataset";
    private static final String DESCRIPTION = "New Dataset";
}
