package org.medlabel.datastore.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One saved version of an image's label under a tag; the highest version is "the" label. */
@Entity
@Table(name = "labels")
@IdClass(LabelEntity.Key.class)
public class LabelEntity extends PanacheEntityBase {

    /** The composite primary key. */
    public record Key(String imageId, String tag, int version) implements Serializable {
        public Key() {
            this(null, null, 0);
        }
    }

    @Id
    @Column(name = "image_id")
    public String imageId;

    @Id
    public String tag;

    @Id
    public int version;

    public String ext;

    @Column(name = "object_key")
    public String objectKey;

    @Column(name = "size_bytes")
    public long sizeBytes;

    public String sha256;

    /** MONAI Label's label info: the save's params (label_info, model, client_id...) plus ts and name. */
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> info = new HashMap<>();

    public String author;

    @Column(name = "created_at")
    public Instant createdAt;

    public String fileName() {
        return imageId + ext;
    }
}
