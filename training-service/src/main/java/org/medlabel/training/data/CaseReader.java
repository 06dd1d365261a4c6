package org.medlabel.training.data;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.medlabel.app.config.ModelDefinition;
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
    /** Voxel verdicts of undeclared labels, by model, image and label version: a label is read for it once. */
    private final Map<String, Boolean> coveredByVoxels = new ConcurrentHashMap<>();

    public CaseReader(DatastoreClient datastore, TrainingConfig config) {
        this.datastore = datastore;
        this.reader = new VolumeReader(config.maxVoxels());
    }

    /** Every image with a final label, ordered by image id. */
    public List<DatastoreClient.Case> cases() {
        return datastore.datalist();
    }

    /** The cases {@code model} may learn from ({@link LabelCoverage}), in order. */
    public List<DatastoreClient.Case> covering(String name, ModelDefinition model, List<DatastoreClient.Case> cases)
            throws IOException {
        List<DatastoreClient.Case> kept = new ArrayList<>();
        for (DatastoreClient.Case c : cases) {
            LabelCoverage.Verdict verdict = LabelCoverage.of(name, model, c.scope());
            if (verdict == LabelCoverage.Verdict.COVERS
                    || (verdict == LabelCoverage.Verdict.UNDECIDED && coveredByVoxels(name, model, c))) {
                kept.add(c);
            }
        }
        return kept;
    }

    private boolean coveredByVoxels(String name, ModelDefinition model, DatastoreClient.Case c) throws IOException {
        String key = name + '\n' + c.id() + '\n' + c.labelVersion();
        Boolean known = coveredByVoxels.get(key);
        if (known == null) {
            known = LabelCoverage.coveredByVoxels(model, label(c));
            coveredByVoxels.put(key, known);
        }
        return known;
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
