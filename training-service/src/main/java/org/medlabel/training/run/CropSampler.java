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
import org.medlabel.imaging.augment.RandomRotate90;
import org.medlabel.imaging.augment.Rotate90;
import org.medlabel.imaging.metric.Dice;
import org.medlabel.imaging.transform.Parallel;
import org.medlabel.imaging.volume.Volume;
import org.medlabel.ml.runtime.Cancellation;
import org.medlabel.platform.datastore.DatastoreClient;

/**
 * Segmentation and DeepEdit: random crops of the case (foreground-centred by the app's ratio), flipped, turned and
 * shifted in intensity as the app says (MONAI's order: RandFlipd, RandRotate90d, RandShiftIntensityd); validation
 * segments the whole case as inference would. DeepEdit, as MONAI's DeepEdit training runs it (its {@code Interaction}
 * and click transforms, {@link ClickSimulator}), adds guidance channels: {@link #CLICK_PROBABILITY} of the samples get
 * initial seeds and one corrective round from the click model, the rest none (automatic mode); validation always
 * clicks so (MONAI's {@code deepgrow_probability_val} 1), seeded per case. MONAI's corrective round runs the network of
 * that very step; here it is the epoch's starting network.
 */
final class CropSampler extends Sampler {

    /** DeepEdit: the share of samples trained with clicks (MONAI's bundle: {@code deepgrow_probability_train}). */
    static final double CLICK_PROBABILITY = 0.4;

    private static final Inferer WHOLE = new Inferer("whole", null, null, null);

    private final RandomFlip flips;
    private final RandomRotate90 rotations;
    private final IntensityJitter shift;
    private final ClickSimulator clicks;

    CropSampler(ModelDefinition model, Training t, CaseCache cache, CasePreparer preparer, Parallel parallel) {
        super(model, t, cache, preparer, parallel);
        this.flips = new RandomFlip(t.flipProbability());
        this.rotations = new RandomRotate90(t.rotate90Probability(), 3);
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
        Rotate90 rotation = rotations.draw(random);
        Volume image = shift.apply(rotation.apply(flip.apply(patch.image())), random);
        Volume label = rotation.apply(flip.apply(patch.label()));
        if (clicks == null) {
            return new Volume[] {image, label};
        }
        if (random.nextDouble() >= CLICK_PROBABILITY) {
            return new Volume[] {clicks.input(image, clicks.none()), label};
        }
        List<List<double[]>> set = clicked(clickModel(), image, label, random, Cancellation.NONE);
        return new Volume[] {clicks.input(image, set), label};
    }

    @Override
    double score(OrtSession session, PreparedCase pc, Cancellation cancellation) throws Exception {
        if (clicks == null) {
            return Dice.mean(
                    channels.argmax(NetworkRunner.run(session, pc.image(), model.inferer(), cancellation)), pc.label());
        }
        List<List<double[]>> set =
                clicked(session, pc.image(), pc.label(), new Random(pc.id().hashCode()), cancellation);
        return Dice.mean(
                channels.argmax(NetworkRunner.run(session, clicks.input(pc.image(), set), WHOLE, cancellation)),
                pc.label());
    }

    /** MONAI's initial seeds, then one corrective round after {@code network}'s segmentation with them (if any). */
    private List<List<double[]>> clicked(
            OrtSession network, Volume image, Volume label, Random random, Cancellation cancellation) throws Exception {
        List<List<double[]>> set = clicks.initial(label, random);
        if (network != null) {
            Volume predicted =
                    channels.argmax(NetworkRunner.run(network, clicks.input(image, set), WHOLE, cancellation));
            clicks.correct(set, label, predicted, random);
        }
        return set;
    }
}
