package org.medlabel.datastore.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.storage.ObjectStorage;

/**
 * MONAI Label's dataset export ({@code GET /datastore/dataset}): a zip of {@code image/<file>}, {@code label/<file>}
 * (the latest {@code final} label) for every labelled image, and {@code metadata.json} (the datastore model of those
 * images). Entries are streamed from the object store into the response one by one; volumes are stored, not deflated
 * again (NIfTI .gz is compressed already).
 */
@ApplicationScoped
public class DatasetExport {

    private static final int PAGE = 500;

    private final ObjectStorage storage;
    private final ObjectMapper json;

    public DatasetExport(ObjectStorage storage, ObjectMapper json) {
        this.storage = storage;
        this.json = json;
    }

    /** Writes the zip; {@code limit} caps the number of cases (null: all). */
    public void write(OutputStream out, Integer limit) throws IOException {
        Map<String, DatastoreModel.Entry> objects = new LinkedHashMap<>();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(1);
            String after = "";
            int written = 0;
            while (limit == null || written < limit) {
                List<ImageEntity> page = ImageEntity.<ImageEntity>find(
                                "finalVersion is not null and id > ?1 order by id", after)
                        .page(0, PAGE)
                        .list();
                if (page.isEmpty()) {
                    break;
                }
                for (ImageEntity image : page) {
                    if (limit != null && written >= limit) {
                        break;
                    }
                    LabelEntity label =
                            LabelEntity.findById(new LabelEntity.Key(image.id, Names.FINAL_TAG, image.finalVersion));
                    copy(zip, "image/" + image.fileName(), image.objectKey);
                    copy(zip, "label/" + label.fileName(), label.objectKey);
                    objects.put(image.id, DatastoreModel.entry(image, Map.of(Names.FINAL_TAG, label)));
                    written++;
                }
                after = page.get(page.size() - 1).id;
            }
            DatastoreModel.Document metadata = DatastoreModel.document(objects, "image", "label");
            zip.putNextEntry(new ZipEntry("metadata.json"));
            zip.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(metadata));
            zip.closeEntry();
        }
    }

    private void copy(ZipOutputStream zip, String name, String key) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        try (InputStream in = storage.get(key)) {
            in.transferTo(zip);
        }
        zip.closeEntry();
    }
}
