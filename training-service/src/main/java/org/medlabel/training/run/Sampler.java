package org.medlabel.training.run;

import ai.onnxruntime.OrtSession;
import java.util.Random;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.config.Training;
import org.medlabel.imaging.transform.Channels;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.datastore.DatastoreClient;

/**
 * What a model type trains on: the training inputs an epoch draws from the prepared cases, and how a validation case
 * is scored. Click models also get the epoch's starting network, to simulate corrective clicks from its mistakes.
 */
abstract class Sampler {

    final ModelDefinition model;
    final Training t;
    final Channels channels;
    private final CaseCache cache;
    private final CasePreparer preparer;
    /** The epoch's starting network, for corrective clicks; null for models without clicks. */
    private OrtSession clickModel;

    Sampler(ModelDefinition model, Training t, CaseCache cache, CasePreparer preparer, Parallel parallel) {
        this.model = model;
        this.t = t;
        this.cache = cache;
        this.preparer = preparer;
        this.channels = new Channels(parallel);
    }

    static Sampler of(ModelDefinition model, Training t, CaseCache cache, CasePreparer preparer, Parallel parallel) {
        if (model.type() == ModelType.DEEPGROW) {
            return new DeepGrowSampler(model, t, cache, preparer, parallel);
        }
        return new CropSampler(model, t, cache, preparer, parallel);
    }

    PreparedCase prepared(DatastoreClient.Case c) throws Exception {
        return cache.get(c.id(), () -> preparer.prepare(c, model, t));
    }

    /** The network input's spatial size (x, y, z). */
    abstract int[] inputSize();

    /** Whether samples need a click model (the epoch's starting network, for corrective clicks). */
    abstract boolean usesClickModel();

    /** Takes {@code session} as the click model when samples use one; returns whether it did. */
    boolean useClickModel(OrtSession session) {
        clickModel = usesClickModel() ? session : null;
        return clickModel != null;
    }

    /** The click model, or null (none used, or none yet). */
    OrtSession clickModel() {
        return clickModel;
    }

    /** One training sample of the case: {input [C, z, y, x], label (class indices or 0/1) on the same grid}. */
    abstract Volume[] sample(DatastoreClient.Case c, Random random) throws Exception;

    /** The validation Dice of {@code session} on the case; {@code cancellation} stops its passes. */
    abstract double score(OrtSession session, PreparedCase pc, Cancellation cancellation) throws Exception;
}
