package org.medlabel.datastore.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A temporary upload for inference (MONAI Label's /session/): its files' object keys, first one the image. */
@Entity
@Table(name = "sessions")
public class SessionEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @JdbcTypeCode(SqlTypes.ARRAY)
    public String[] files;

    @Column(name = "image_name")
    public String imageName;

    @Column(name = "size_bytes")
    public long sizeBytes;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> meta = new HashMap<>();

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "last_access_at")
    public Instant lastAccessAt;

    @Column(name = "expiry_seconds")
    public int expirySeconds;

    /** Last access plus the expiry: the sweeper removes the session after this. */
    @Column(name = "expires_at")
    public Instant expiresAt;
}
