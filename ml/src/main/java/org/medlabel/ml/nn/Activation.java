package org.medlabel.ml.nn;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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

    /**
     * MONAI's activation argument: {@code "relu"}, {@code "prelu"}, {@code "leakyrelu"} (any case) or a name and its
     * arguments ({@code ["leakyrelu", {"negative_slope": 0.01, "inplace": true}]}, {@code ["prelu", {"init": 0.2}]});
     * {@code inplace} changes nothing computed.
     *
     * @throws IllegalArgumentException for other activations or arguments
     */
    public static Activation parse(Object value) {
        LayerChoice choice = LayerChoice.parse(value, "an activation");
        String name = choice.name();
        Map<?, ?> args = choice.args();
        Set<Object> known = new HashSet<>(args.keySet());
        known.remove("inplace");
        Activation a = switch (name.toLowerCase(Locale.ROOT)) {
            case "relu" -> relu();
            case "prelu" -> {
                known.remove("init");
                yield new Activation(Kind.PRELU, number(args, "init", 0.25f));
            }
            case "leakyrelu" -> {
                known.remove("negative_slope");
                yield leakyRelu(number(args, "negative_slope", 0.01f));
            }
            default ->
                throw new IllegalArgumentException(
                        "activation '" + name + "' is not supported (relu, prelu, leakyrelu)");
        };
        if (!known.isEmpty()) {
            throw new IllegalArgumentException(name + " arguments not supported: " + known);
        }
        return a;
    }

    private static float number(Map<?, ?> args, String key, float fallback) {
        Object v = args.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.floatValue();
        }
        throw new IllegalArgumentException(key + " must be a number, was " + v);
    }

    @Override
    public String toString() {
        return kind == Kind.RELU ? "relu" : kind.name().toLowerCase() + "(" + slope + ")";
    }
}
