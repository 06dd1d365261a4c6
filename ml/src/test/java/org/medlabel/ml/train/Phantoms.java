package org.medlabel.ml.train;

import java.util.Random;

/**
 * CT-like synthetic volumes for learning tests: a body (a large, faint ellipsoid) holding an organ (a smaller, brighter
 * ellipsoid, the label) and a darker distractor, in Gaussian noise. Deterministic by seed.
 */
final class Phantoms {

    /** One volume and its label (0 background, 1 organ), x fastest. */
    record Phantom(float[] image, float[] label) {}

    private Phantoms() {}

    static Phantom make(int size, long seed) {
        Random r = new Random(seed);
        double c = size / 2.0;
        double[] organ = {c + jitter(r, size / 6.0), c + jitter(r, size / 6.0), c + jitter(r, size / 6.0)};
        double[] organRadii = {
            size * (0.12 + 0.1 * r.nextDouble()),
            size * (0.12 + 0.1 * r.nextDouble()),
            size * (0.12 + 0.1 * r.nextDouble())
        };
        double[] other = {c + jitter(r, size / 4.0), c + jitter(r, size / 4.0), c + jitter(r, size / 4.0)};
        double otherRadius = size * (0.06 + 0.06 * r.nextDouble());
        float[] image = new float[size * size * size];
        float[] label = new float[image.length];
        for (int z = 0, i = 0; z < size; z++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++, i++) {
                    double value = 0.3 * r.nextGaussian();
                    if (inside(x, y, z, new double[] {c, c, c}, new double[] {0.45 * size, 0.4 * size, 0.45 * size})) {
                        value += 0.3;
                    }
                    boolean isOrgan = inside(x, y, z, organ, organRadii);
                    if (isOrgan) {
                        value += 0.8;
                        label[i] = 1;
                    } else if (inside(x, y, z, other, new double[] {otherRadius, otherRadius, otherRadius})) {
                        value -= 0.8;
                    }
                    image[i] = (float) value;
                }
            }
        }
        return new Phantom(image, label);
    }

    private static double jitter(Random r, double range) {
        return (2 * r.nextDouble() - 1) * range;
    }

    private static boolean inside(int x, int y, int z, double[] centre, double[] radii) {
        double dx = (x - centre[0]) / radii[0];
        double dy = (y - centre[1]) / radii[1];
        double dz = (z - centre[2]) / radii[2];
        return dx * dx + dy * dy + dz * dz <= 1;
    }
}
