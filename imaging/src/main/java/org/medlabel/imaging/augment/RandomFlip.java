package org.medlabel.imaging.augment;

import java.util.random.RandomGenerator;

/**
 * MONAI's {@code RandFlipd} once per spatial axis ({@code spatial_axis=[0]}, {@code [1]}, {@code [2]}, each with
 * {@code prob=p}): each axis is flipped independently with probability p. Draw one {@link Flip} per sample and apply
 * it to the image, its label and any other aligned volume (guidance channels), so they stay aligned.
 */
public final class RandomFlip {

    private final double probability;

    public RandomFlip(double probability) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], was " + probability);
        }
        this.probability = probability;
    }

    /** The axes to flip for one sample. */
    public Flip draw(RandomGenerator random) {
        boolean x = random.nextDouble() < probability;
        boolean y = random.nextDouble() < probability;
        boolean z = random.nextDouble() < probability;
        return new Flip(x, y, z);
    }
}
