package org.medlabel.ml.nn;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The normalisation after a convolution, as MONAI names them. {@code INSTANCE} is MONAI's default for {@code UNet}
 * (no affine parameters), {@code INSTANCE_AFFINE} that of {@code BasicUNet}. {@code BATCH} is emitted in its
 * inference form (running mean 0, variance 1 until trained).
 */
public enum Norm {
    INSTANCE,
    INSTANCE_AFFINE,
    BATCH,
    NONE;

    /** A norm as MONAI's arguments give it: one of these, or group norm of {@code groups} groups (then norm is null). */
    public record Spec(Norm norm, int groups) {}

    /**
     * MONAI's norm argument: a name ({@code "batch"}, {@code "instance"}, any case) or a name and its arguments
     * ({@code ["instance", {"affine": true}]}, {@code ["group", {"num_groups": 8}]}).
     *
     * @throws IllegalArgumentException for other norms or arguments that would change the computation
     */
    public static Spec parse(Object value) {
        LayerChoice choice = LayerChoice.parse(value, "a norm");
        String name = choice.name();
        Map<?, ?> args = choice.args();
        Set<Object> known = new HashSet<>(args.keySet());
        Spec spec = switch (name.toLowerCase(Locale.ROOT)) {
            case "batch" -> new Spec(BATCH, 0);
            case "instance" -> {
                known.remove("affine");
                yield new Spec(Boolean.TRUE.equals(args.get("affine")) ? INSTANCE_AFFINE : INSTANCE, 0);
            }
            case "group" -> {
                known.remove("num_groups");
                if (!(args.get("num_groups") instanceof Number n) || n.intValue() < 1) {
                    throw new IllegalArgumentException("group norm needs num_groups >= 1");
                }
                yield new Spec(null, n.intValue());
            }
            default ->
                throw new IllegalArgumentException("norm '" + name + "' is not supported (batch, instance, group)");
        };
        known.remove("eps");
        if (args.containsKey("eps") && ((Number) args.get("eps")).doubleValue() != 1e-5) {
            throw new IllegalArgumentException("only the default eps 1e-5 is supported");
        }
        if (!known.isEmpty()) {
            throw new IllegalArgumentException(name + " norm arguments not supported: " + known);
        }
        return spec;
    }
}
