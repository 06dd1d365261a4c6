package org.medlabel.api.event;

import java.util.Objects;

/** Argument checks shared by the event records, so a malformed event fails where it is built or parsed. */
final class Require {
    private Require() {}

    static String text(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }

    static long nonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
        return value;
    }
}
