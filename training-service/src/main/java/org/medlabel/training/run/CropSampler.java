package org.medlabel.training.run;

import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Random;
import org.medlabel.app.config.Inferer;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.config.Training;
import org.medlabel.app.network.NetworkRunner;
import org.medlabel.imaging.augment.Flip;
import org.medlabel.imaging.augment.IntensityJitter;
import org.medlabel.imaging.augment.Patch;
import org.medlabel.imaging.augment.RandomFlip;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.datastore.DatastoreClient;

/**
 * Segmentation and DeepEdit: random crops of the case (foreground-centred by the app's ratio), flipped and shifted in
 * intensity as the app says; validation
 * segments the whole case as inference would. DeepEdit, as MONAI Label trains it, adds guidance channels: half the
 * crops get simulated clicks (a first click inside each label present, and for half of those a corrective click per
 * label from the epoch's starting model), the other half none (automatic mode, as validation runs).
 */
final class CropSampler extends Sampler {

    /** DeepEdit: the share of crops trained with simulated clicks (the rest automatic, without any). */
    static final double CLICK_PROBABILITY = 0.5;

    private static final Inferer WHOLE = new Inferer("whole", null, null, null);

    private final RandomFlip flips;
    private final IntensityJitter shift;
    private final ClickSimulator clicks;

    CropSampler(ModelDefinition model, Training t, CaseCache cache, CasePreparer preparer, Parallel parallel) {
        super(model, t, cache, preparer, parallel);
        this.flips = new RandomFlip(t.flipProbability());
        this.shift = new IntensityJitter(0, t.shiftIntensity(), t.shiftIntensity() > 0 ? t.shiftProbability() : 0);
        this.clicks = model.type() == ModelType.DEEPEDIT ? new ClickSimulator(model) : null;
    }

    @Override
    int[] inputSize() {
        return new int[] {t.patch().get(0), t.patch().get(1), t.patch().get(2)};
    }

    @Override
    boolean usesClickModel() {
        return clicks != null;
    }

    @Override
    Volume[] sample(DatastoreClient.Case c, Random random) throws Exception {
        PreparedCase pc = prepared(c);
        Patch patch = pc.crops().sample(pc.image(), random);
        Flip flip = flips.draw(random);
        Volume image = shift.apply(flip.apply(patch.image()), random);
        Volume label = flip.apply(patch.label());
        if (clicks == null) {
            return new Volume[] {image, label};
        }
        if (random.nextDouble() >= CLICK_PROBABILITY) {
            return new Volume[] {clicks.input(image, clicks.none()), label};
        }
        List<List<double[]>> set = clicks.initial(label, random);
        if (clickModel() != null && random.nextDouble() < CORRECTION_PROBABILITY) {
            Volume predicted = channels.argmax(NetworkRunner.run(clickModel(), clicks.input(image, set), WHOLE));
            clicks.correct(set, label, predicted, random);
        }
        return new Volume[] {clicks.input(image, set), label};
    }

    @Override
    double score(OrtSession session, PreparedCase pc, Cancellation cancellation) throws Exception {
        Volume input = clicks == null ? pc.image() : clicks.input(pc.image(), clicks.none());
        return Dice.mean(channels.argmax(NetworkRunner.run(session, input, model.inferer(), cancellation)), pc.label());
    }
}
