package org.medlabel.ml.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * A network named as MONAI names it: a class of {@code monai.networks.nets} and its constructor arguments, as a
 * bundle's {@code network_def} or an app's {@code network.monai} gives them. Arguments take MONAI's defaults when
 * absent; an argument, a value or a class this builder does not reproduce is refused with its name, never ignored, so
 * that a network we build is always the network MONAI would build.
 */
public final class MonaiNetworks {

    /** The classes (and MONAI's aliases of them) that have a builder, by lower-case name. */
    private static final Map<String, String> CLASSES = Map.ofEntries(
            Map.entry("unet", "UNet"),
            Map.entry("basicunet", "BasicUNet"),
            Map.entry("unetr", "UNETR"),
            Map.entry("segresnet", "SegResNet"),
            Map.entry("dynunet", "DynUNet"),
            Map.entry("swinunetr", "SwinUNETR"));

    private MonaiNetworks() {}

    /** The classes this factory builds, as MONAI spells them. */
    public static List<String> supported() {
        return List.of("UNet", "BasicUNet", "UNETR", "SegResNet", "DynUNet", "SwinUNETR");
    }

    /**
     * MONAI's class name for {@code target} ({@code SegResNet}, {@code monai.networks.nets.SegResNet},
     * {@code monai.networks.nets.segresnet.SegResNet}, MONAI's aliases such as {@code DynUnet}).
     *
     * @throws IllegalArgumentException naming the class and the supported ones when there is no builder for it
     */
    public static String className(String target) {
        String simple = target.substring(target.lastIndexOf('.') + 1);
        String name = CLASSES.get(simple.toLowerCase(Locale.ROOT));
        if (name == null) {
            throw new IllegalArgumentException(
                    "network " + target + " is not supported; MedLabel builds " + String.join(", ", supported()));
        }
        return name;
    }

    /**
     * Builds {@code target} with MONAI's constructor arguments ({@code Integer}, {@code Double}, {@code Boolean},
     * {@code String}, lists and maps of them, as JSON gives them).
     *
     * @throws IllegalArgumentException naming the class, the argument and why, for anything not reproduced exactly
     */
    public static ModelProto build(String target, Map<String, ?> arguments, long seed) {
        String name = className(target);
        Args a = new Args(name, arguments);
        ModelProto model = switch (name) {
            case "UNet" -> unet(a, seed);
            case "BasicUNet" -> basicUNet(a, seed);
            case "UNETR" -> unetr(a, seed);
            case "SegResNet" -> segResNet(a, seed);
            case "SwinUNETR" -> swinUnetr(a, seed);
            default -> dynUNet(a, seed);
        };
        a.checkAllUsed();
        return model;
    }

    private static ModelProto unet(Args a, long seed) {
        int dims = a.integer("spatial_dims");
        if (dims != 2 && dims != 3) {
            throw a.invalid("spatial_dims", "must be 2 or 3, was " + dims);
        }
        a.fixed("kernel_size", 3);
        a.fixed("up_kernel_size", 3);
        a.fixed("bias", true);
        a.fixed("adn_ordering", "NDA");
        return new UNetBuilder()
                .spatialDims(dims)
                .inChannels(a.integer("in_channels"))
                .outChannels(a.integer("out_channels"))
                .channels(a.ints("channels"))
                .strides(a.ints("strides"))
                .residualUnits(a.integer("num_res_units", 0))
                .norm(a.norm("norm", Norm.INSTANCE))
                .activation(a.activation("act", Activation.prelu()))
                .dropout(a.real("dropout", 0))
                .seed(seed)
                .build();
    }

    private static ModelProto basicUNet(Args a, long seed) {
        a.fixed("bias", true);
        a.fixed("upsample", "deconv");
        BasicUNetBuilder b = new BasicUNetBuilder()
                .spatialDims(a.integer("spatial_dims", 3))
                .inChannels(a.integer("in_channels", 1))
                .outChannels(a.integer("out_channels", 2))
                .norm(a.norm("norm", Norm.INSTANCE_AFFINE))
                .activation(a.activation("act", Activation.leakyRelu(0.1f)))
                .dropout(a.real("dropout", 0))
                .seed(seed);
        if (a.has("features")) {
            b.features(a.ints("features"));
        }
        return b.build();
    }

    private static ModelProto unetr(Args a, long seed) {
        a.fixed("spatial_dims", 3);
        a.fixed("proj_type", "conv");
        a.fixed("conv_block", true);
        a.fixed("res_block", true);
        a.fixed("save_attn", false);
        int[] size = a.sizes("img_size", 3);
        return new UnetrBuilder()
                .inChannels(a.integer("in_channels"))
                .outChannels(a.integer("out_channels"))
                .imageSize(size[0], size[1], size[2])
                .featureSize(a.integer("feature_size", 16))
                .hiddenSize(a.integer("hidden_size", 768))
                .mlpDim(a.integer("mlp_dim", 3072))
                .heads(a.integer("num_heads", 12))
                .norm(a.norm("norm_name", Norm.INSTANCE))
                .qkvBias(a.bool("qkv_bias", false))
                .dropout(a.real("dropout_rate", 0))
                .seed(seed)
                .build();
    }

    /**
     * SwinUNETR's windows depend on the input's size, which MONAI reads from each input: the graph is built for
     * {@code img_size} (MONAI's constructor argument until 1.4, the sliding window's roi).
     */
    private static ModelProto swinUnetr(Args a, long seed) {
        a.fixed("spatial_dims", 3);
        a.fixed("dropout_path_rate", 0.0); // stochastic depth: a training behaviour MedLabel's graphs do not have
        a.fixed("patch_norm", false);
        a.fixed("norm_layer", "LayerNorm");
        a.bool("use_checkpoint", false); // recomputation in backward: the same values
        if (!a.has("img_size")) {
            throw a.invalid(
                    "img_size",
                    "is required: MedLabel builds SwinUNETR for one input size, the sliding window's roi_size");
        }
        String downsample = a.string("downsample", "merging").toLowerCase(Locale.ROOT);
        if (!downsample.equals("merging") && !downsample.equals("mergingv2")) {
            throw a.invalid("downsample", "'" + downsample + "' is not supported (merging, mergingv2)");
        }
        SwinUnetrBuilder b = new SwinUnetrBuilder()
                .imageSize(a.sizes("img_size", 3))
                .inChannels(a.integer("in_channels"))
                .outChannels(a.integer("out_channels"))
                .patchSize(a.integer("patch_size", 2))
                .windowSize(a.has("window_size") ? a.sizes("window_size", 3) : new int[] {7, 7, 7})
                .qkvBias(a.bool("qkv_bias", true))
                .mlpRatio(a.real("mlp_ratio", 4.0))
                .featureSize(a.integer("feature_size", 24))
                .norm(a.norm("norm_name", Norm.INSTANCE))
                .dropout(a.real("drop_rate", 0))
                .attentionDropout(a.real("attn_drop_rate", 0))
                .normalize(a.bool("normalize", true))
                .mergingV2(downsample.equals("mergingv2"))
                .v2(a.bool("use_v2", false))
                .seed(seed);
        if (a.has("depths")) {
            b.depths(a.ints("depths"));
        }
        if (a.has("num_heads")) {
            b.heads(a.ints("num_heads"));
        }
        return b.build();
    }

    private static ModelProto segResNet(Args a, long seed) {
        a.activationOnly("act", Activation.relu());
        SegResNetBuilder b = new SegResNetBuilder()
                .spatialDims(a.integer("spatial_dims", 3))
                .initFilters(a.integer("init_filters", 8))
                .inChannels(a.integer("in_channels", 1))
                .outChannels(a.integer("out_channels", 2))
                .dropout(a.has("dropout_prob") && a.get("dropout_prob") != null ? a.real("dropout_prob", 0) : 0)
                .blocksDown(a.has("blocks_down") ? a.ints("blocks_down") : new int[] {1, 2, 2, 4})
                .blocksUp(a.has("blocks_up") ? a.ints("blocks_up") : new int[] {1, 1, 1})
                .convFinal(a.bool("use_conv_final", true))
                .seed(seed);
        String legacy = a.string("norm_name", "");
        int groups = a.integer("num_groups", 8);
        if (!legacy.isEmpty()) {
            if (!legacy.equalsIgnoreCase("group")) {
                throw a.invalid("norm_name", "MONAI accepts only 'group' (deprecated; use norm)");
            }
            b.groupNorm(groups);
        } else if (a.has("norm")) {
            Norm.Spec spec = a.normSpec("norm");
            if (spec.groups() > 0) {
                b.groupNorm(spec.groups());
            } else {
                b.norm(spec.norm());
            }
        } else {
            b.groupNorm(8);
        }
        String mode = a.string("upsample_mode", "nontrainable").toLowerCase(Locale.ROOT);
        switch (mode) {
            case "nontrainable" -> b.upsample(SegResNetBuilder.Upsample.NONTRAINABLE);
            case "deconv" -> b.upsample(SegResNetBuilder.Upsample.DECONV);
            default -> throw a.invalid("upsample_mode", "'" + mode + "' is not supported (nontrainable, deconv)");
        }
        return b.build();
    }

    private static ModelProto dynUNet(Args a, long seed) {
        a.activationOnly("act_name", Activation.leakyRelu(0.01f));
        a.bool("deep_supervision", false); // heads train only: MONAI's eval output is the same either way
        a.integer("deep_supr_num", 1);
        DynUNetBuilder b = new DynUNetBuilder()
                .spatialDims(a.integer("spatial_dims"))
                .inChannels(a.integer("in_channels"))
                .outChannels(a.integer("out_channels"))
                .kernelSize(a.perLevel("kernel_size"))
                .strides(a.perLevel("strides"))
                .upsampleKernelSize(a.perLevel("upsample_kernel_size"))
                .norm(a.norm("norm_name", Norm.INSTANCE_AFFINE))
                .resBlock(a.bool("res_block", false))
                .transBias(a.bool("trans_bias", false))
                .dropout(a.get("dropout") == null ? 0 : a.real("dropout", 0))
                .seed(seed);
        if (a.has("filters") && a.get("filters") != null) {
            b.filters(a.ints("filters"));
        }
        return b.build();
    }

    /** The arguments of one class, each read at most once; what is never read is refused. */
    private static final class Args {

        private final String network;
        private final Map<String, Object> values;
        private final Set<String> used = new LinkedHashSet<>();

        Args(String network, Map<String, ?> values) {
            this.network = network;
            this.values = new LinkedHashMap<>(values);
            this.values.remove("_target_");
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        Object get(String key) {
            used.add(key);
            return values.get(key);
        }

        IllegalArgumentException invalid(String key, String why) {
            return new IllegalArgumentException(network + " argument " + key + ": " + why);
        }

        Object required(String key) {
            if (!has(key)) {
                throw invalid(key, "is required");
            }
            return get(key);
        }

        int integer(String key) {
            return toInt(key, required(key));
        }

        int integer(String key, int fallback) {
            return has(key) ? toInt(key, get(key)) : fallback;
        }

        double real(String key, double fallback) {
            if (!has(key)) {
                return fallback;
            }
            if (get(key) instanceof Number n) {
                return n.doubleValue();
            }
            throw invalid(key, "must be a number, was " + values.get(key));
        }

        boolean bool(String key, boolean fallback) {
            if (!has(key)) {
                return fallback;
            }
            if (get(key) instanceof Boolean b) {
                return b;
            }
            throw invalid(key, "must be true or false, was " + values.get(key));
        }

        String string(String key, String fallback) {
            if (!has(key)) {
                return fallback;
            }
            if (get(key) instanceof String s) {
                return s;
            }
            throw invalid(key, "must be a string, was " + values.get(key));
        }

        int[] ints(String key) {
            if (!(required(key) instanceof List<?> list)) {
                throw invalid(key, "must be a list of integers, was " + values.get(key));
            }
            return list.stream().mapToInt(v -> toInt(key, v)).toArray();
        }

        /** An int (every axis) or a list of {@code n} ints. */
        int[] sizes(String key, int n) {
            Object v = required(key);
            int[] sizes = new int[n];
            if (v instanceof List<?> list) {
                if (list.size() != n) {
                    throw invalid(key, "must give " + n + " sizes, gave " + list.size());
                }
                for (int i = 0; i < n; i++) {
                    sizes[i] = toInt(key, list.get(i));
                }
            } else {
                Arrays.fill(sizes, toInt(key, v));
            }
            return sizes;
        }

        /** One entry per level, each an int or a list of per-axis ints (DynUNet's kernel sizes and strides). */
        int[][] perLevel(String key) {
            if (!(required(key) instanceof List<?> levels)) {
                throw invalid(key, "must be a list with one entry per level, was " + values.get(key));
            }
            int[][] out = new int[levels.size()][];
            for (int i = 0; i < out.length; i++) {
                Object level = levels.get(i);
                out[i] = level instanceof List<?> axes
                        ? axes.stream().mapToInt(v -> toInt(key, v)).toArray()
                        : new int[] {toInt(key, level)};
            }
            return out;
        }

        Norm norm(String key, Norm fallback) {
            if (!has(key)) {
                return fallback;
            }
            Norm.Spec spec = normSpec(key);
            if (spec.groups() > 0) {
                throw invalid(key, "group norm is not supported by " + network);
            }
            return spec.norm();
        }

        Norm.Spec normSpec(String key) {
            try {
                return Norm.parse(get(key));
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        Activation activation(String key, Activation fallback) {
            if (!has(key)) {
                return fallback;
            }
            try {
                return Activation.parse(get(key));
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        /** An activation whose only supported value is {@code expected} (MONAI's default for the class). */
        void activationOnly(String key, Activation expected) {
            if (has(key) && !activation(key, expected).equals(expected)) {
                throw invalid(key, "only " + expected + " is supported, was " + values.get(key));
            }
        }

        /** An argument whose only supported value is {@code expected} (MONAI's default). */
        void fixed(String key, Object expected) {
            if (has(key) && !same(get(key), expected)) {
                throw invalid(key, "only " + expected + " is supported, was " + values.get(key));
            }
        }

        void checkAllUsed() {
            List<String> unknown = new ArrayList<>(values.keySet());
            unknown.removeAll(used);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(
                        network + " arguments not supported by MedLabel's builder: " + String.join(", ", unknown));
            }
        }

        private int toInt(String key, Object v) {
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                return n.intValue();
            }
            throw invalid(key, "must be an integer, was " + v);
        }

        /** JSON equality with numbers compared by value and strings without case (MONAI's factories ignore it). */
        private static boolean same(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return x.doubleValue() == y.doubleValue();
            }
            if (a instanceof String x && b instanceof String y) {
                return x.equalsIgnoreCase(y);
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                if (x.size() != y.size()) {
                    return false;
                }
                for (int i = 0; i < x.size(); i++) {
                    if (!same(x.get(i), y.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
                return x.keySet().equals(y.keySet()) && x.keySet().stream().allMatch(k -> same(x.get(k), y.get(k)));
            }
            return a == null ? b == null : a.equals(b);
        }
    }
}
