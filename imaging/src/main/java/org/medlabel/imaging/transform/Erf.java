package org.medlabel.imaging.transform;

/**
 * The error function by Abramowitz and Stegun's formula 7.1.26 (absolute error below 1.5e-7): ample for blending
 * weights, which are normalised afterwards.
 */
final class Erf {

    private Erf() {}

    static double erf(double x) {
        double ax = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double y = 1 - poly * Math.exp(-ax * ax);
        return x < 0 ? -y : y;
    }
}
