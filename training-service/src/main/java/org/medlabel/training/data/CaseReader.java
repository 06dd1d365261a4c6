package org.medlabel.training.data;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import org.medlabel.imaging.io.VolumeReader;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.platform.datastore.DatastoreClient;
import org.medlabel.training.config.TrainingConfig;

/**
 * The cases to train on and their volumes, through the datastore's API (the same door inference reads by): the
 * datalist, each image's file and the final label version the datalist named.
 */
@ApplicationScoped
public class CaseReader {

    private final DatastoreClient datastore;
    private final VolumeReader reader;

    public CaseReader(DatastoreClient datastore, TrainingConfig config) {
        this.datastore = datastore;
        this.reader = new VolumeReader(config.maxVoxels());
    }

    /** Every image with a final label, ordered by image id. */
    public List<DatastoreClient.Case> cases() {
        return datastore.datalist();
    }

    public Volume image(DatastoreClient.Case c) throws IOException {
        try (DatastoreClient.Download file = datastore.openImage(c.id())) {
            return reader.read(file.body(), file.fileName());
        }
    }

    /** The final label as it was when the datalist was read: a label saved since belongs to the next job. */
    public Volume label(DatastoreClient.Case c) throws IOException {
        try (DatastoreClient.Download file = datastore.openLabel(c.id(), "final", c.labelVersion())) {
            return reader.read(file.body(), file.fileName());
        }
    }
}
