package org.medlabel.training.data;

import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.platform.objectstore.Bucket;
import org.medlabel.training.config.TrainingConfig;

/** Reads a case's image and label objects from the bucket the datastore writes them to. */
@ApplicationScoped
public class CaseReader {

    private final MinioClient client;
    private final Bucket bucket;
    private final VolumeReader reader;

    public CaseReader(MinioClient client, Bucket bucket, TrainingConfig config) {
        this.client = client;
        this.bucket = bucket;
        this.reader = new VolumeReader(config.maxVoxels());
    }

    /** The volume stored under {@code key} (its file name says the format). */
    public Volume read(String key) throws IOException {
        try (InputStream in = client.getObject(
                GetObjectArgs.builder().bucket(bucket.name()).object(key).build())) {
            return reader.read(in, key);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read object " + key + ": " + e.getMessage(), e);
        }
    }
}
