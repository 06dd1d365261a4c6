package org.medlabel.imaging.transform;

/**
 * The error function to about 1e-9 (its Taylor series below |x| = 4, where cancellation costs at most that; the
 * asymptotic expansion of erfc beyond): ample for Gaussian kernel weights.
 */
final class Erf {

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private Erf() {}

    static double erf(double x) {
        double ax = Math.abs(x);
        double y;
        if (ax < 4) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            y = TWO_OVER_SQRT_PI * sum;
        } else {
            double inv = 1 / (ax * ax);
            double erfc = Math.exp(-ax * ax)
                    / (ax * Math.sqrt(Math.PI))
                    * (1 - inv / 2 + 0.75 * inv * inv - 1.875 * inv * inv * inv);
            y = 1 - erfc;
        }
        return x < 0 ? -y : y;
    }
}
