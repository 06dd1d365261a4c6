package org.medlabel.ml.autodiff;

/** A graph cannot be differentiated: an operator (or one of its settings) on the gradient path has no rule. */
public final class UnsupportedOperatorException extends IllegalArgumentException {

    public UnsupportedOperatorException(String message) {
        super(message);
    }
}
