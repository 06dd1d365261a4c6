package org.medlabel.ml.nn;

/**
 * An activation: {@code PRELU} with one learnable slope per layer (MONAI's default, {@code nn.PReLU()}, initial
 * slope 0.25), {@code LEAKY_RELU} with a fixed slope (cheaper to run and to train, see ML-SPIKE §4) or {@code RELU}.
 */
public record Activation(Kind kind, float slope) {

    public enum Kind {
        PRELU,
        LEAKY_RELU,
        RELU
    }

    public static Activation prelu() {
        return new Activation(Kind.PRELU, 0.25f);
    }

    public static Activation leakyRelu(float slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    public static Activation relu() {
        return new Activation(Kind.RELU, 0);
    }

    @Override
    public String toString() {
        return kind == Kind.RELU ? "relu" : kind.name().toLowerCase() + "(" + slope + ")";
    }
}
