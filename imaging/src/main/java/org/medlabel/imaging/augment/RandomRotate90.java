package org.medlabel.imaging.augment;

import java.util.random.RandomGenerator;

/**
 * MONAI's {@code RandRotate90d(prob, max_k, spatial_axes=(0, 1))}: with probability {@code prob} a rotation by 1 to
 * {@code maxK} quarter turns (uniform), else none. Draw one {@link Rotate90} per sample and apply it to the image and
 * its label.
 */
public final class RandomRotate90 {

    private final double probability;
    private final int maxK;

    public RandomRotate90(double probability, int maxK) {
        if (!(probability >= 0 && probability <= 1) || maxK < 1) {
            throw new IllegalArgumentException(
                    "probability must be in [0, 1] and maxK >= 1, were " + probability + " and " + maxK);
        }
        this.probability = probability;
        this.maxK = maxK;
    }

    /** The rotation for one sample; with probability 0 none, drawing nothing from {@code random}. */
    public Rotate90 draw(RandomGenerator random) {
        if (probability == 0) {
            return new Rotate90(0);
        }
        return new Rotate90(random.nextDouble() < probability ? 1 + random.nextInt(maxK) : 0);
    }
}
