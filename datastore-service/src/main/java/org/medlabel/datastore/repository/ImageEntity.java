package org.medlabel.datastore.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** An image's metadata; its bytes are the object at {@link #objectKey}. */
@Entity
@Table(name = "images")
public class ImageEntity extends PanacheEntityBase {

    @Id
    public String id;

    /** The file extension with its dot, all suffixes ({@code .nii.gz}). */
    public String ext;

    @Column(name = "object_key")
    public String objectKey;

    @Column(name = "size_bytes")
    public long sizeBytes;

    public String sha256;

    /** {@code nifti} or {@code nrrd}. */
    public String format;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public int[] dims;

    public int components;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public double[] spacing;

    /** The voxel-to-RAS affine, row-major 4x4. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    public double[] affine;

    /** MONAI Label's free-form image info (ts, name, user, strategy, scores, upload params...). */
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> info = new HashMap<>();

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "final_version")
    public Integer finalVersion;

    /** When an active-learning strategy last handed the image out. */
    @Column(name = "served_at")
    public Instant servedAt;

    public String fileName() {
        return id + ext;
    }
}
