package org.medlabel.training;

import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.medlabel.imaging.io.NiftiWriter;
import org.medlabel.imaging.synthetic.Phantoms;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.platform.objectstore.Bucket;
import org.medlabel.training.data.TrainingCase;

/** Test fixtures: phantom cases stored as the datastore stores them, and a clean job table. */
public final class TrainingData {

    public static final int SIZE = 40;

    private TrainingData() {}

    /** Stores phantom {@code seed} as image and final label objects and lists it in the fake datalist. */
    public static TrainingCase addPhantom(MinioClient client, Bucket bucket, long seed) throws Exception {
        bucket.ensureExists();
        Phantoms.Phantom p = Phantoms.make(SIZE, seed);
        String id = "phantom_" + seed;
        TrainingCase c = new TrainingCase(
                id, "images/" + id + "/" + id + ".nii.gz", "labels/final/" + id + "/" + seed + ".nii.gz");
        put(client, bucket, c.image(), p.image());
        put(client, bucket, c.label(), p.label());
        FakeDatalist.CASES.add(c);
        return c;
    }

    /** Stores a volume as gzipped NIfTI under {@code key}. */
    public static void put(MinioClient client, Bucket bucket, String key, Volume v) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new NiftiWriter().write(v, out, true);
        byte[] bytes = out.toByteArray();
        client.putObject(PutObjectArgs.builder().bucket(bucket.name()).object(key).stream(
                        new ByteArrayInputStream(bytes), (long) bytes.length, -1L)
                .build());
    }

    /** Forgets every job, version, label count and handled event (the tests share one database). */
    public static void reset(DataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("TRUNCATE training.model_versions, training.jobs, training.label_triggers,"
                    + " training.processed_events");
        }
        FakeDatalist.CASES.clear();
    }
}
