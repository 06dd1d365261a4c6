package org.medlabel.ml.nn;

/** The checks every network builder applies to its settings, with the same messages. */
final class Settings {

    private Settings() {}

    static int positive(String what, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, was " + n);
        }
        return n;
    }

    static double dropout(double p) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), was " + p);
        }
        return p;
    }
}
