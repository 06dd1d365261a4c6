package org.medlabel.app.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.medlabel.ml.nn.MonaiNetworks;

/**
 * A MONAI bundle's inference as a model of a MedLabel app, in the app file's own terms (the YAML of one model), so that
 * it is validated and served exactly as a hand-written model: {@code network_def} becomes {@code network.monai} and
 * {@code network.args}, the {@code preprocessing} transforms the {@code pre} steps, the {@code inferer} the
 * {@code inferer}, the {@code postprocessing} the {@code post} steps, and {@code metadata.json}'s output channels the
 * labels. Every transform, inferer, network or setting MedLabel does not reproduce is collected and the import refused
 * with all of them named; transforms that only load, type or save data are no-ops here.
 */
public final class BundleImport {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Transforms that change nothing MedLabel computes: loading, channel and type handling, saving. */
    private static final Set<String> NO_OPS = Set.of(
            "LoadImaged",
            "EnsureChannelFirstd",
            "AddChanneld",
            "EnsureTyped",
            "ToTensord",
            "CastToTyped",
            "SaveImaged",
            "CopyItemsd");

    private static final Set<String> GEOMETRY = Set.of("Orientationd", "Spacingd");

    private final Bundle bundle;
    private final List<String> unsupported = new ArrayList<>();
    private final ObjectNode model = MAPPER.createObjectNode();
    private boolean intensitySeen;
    /** DeepEdit's label names (label → channel), from its click transforms; null for a segmentation bundle. */
    private Map<?, ?> deepEditLabels;

    private BundleImport(Bundle bundle) {
        this.bundle = bundle;
    }

    /**
     * The model the bundle describes, as an app file's model entry; {@code network.weights} is the bundle's
     * {@code models/model.pt} (or {@code .ts}) when it has one.
     *
     * @throws BundleException naming everything in the bundle that MedLabel cannot reproduce
     */
    public static ObjectNode model(Bundle bundle) {
        BundleImport i = new BundleImport(bundle);
        i.translate();
        if (!i.unsupported.isEmpty()) {
            throw new BundleException(
                    "bundle " + bundle.name() + " cannot be imported: " + String.join("; ", i.unsupported));
        }
        return i.model;
    }

    private void translate() {
        BundleConfig metadata = bundle.metadata();
        model.put("type", "segmentation");
        model.put(
                "description",
                metadata.has("name") ? String.valueOf(metadata.get("name")) : "MONAI bundle " + bundle.name());
        model.put("dimension", 3);
        network();
        ObjectNode pre = model.putObject("pre");
        for (Map<String, Object> t : transforms("preprocessing")) {
            preprocessing(t, pre);
        }
        if (pre.isEmpty()) {
            model.remove("pre");
        }
        if (deepEditLabels == null) {
            inputs(metadata); // DeepEdit's input channels are the image and its click maps
        }
        inferer();
        boolean sigmoid = postprocessing();
        if (deepEditLabels != null) {
            deepEdit();
        } else {
            labels(metadata, sigmoid);
        }
        bundle.train().ifPresent(this::training);
    }

    /**
     * A DeepEdit bundle is MedLabel's DeepEdit model: the image and one guidance channel per label name (the
     * bundle's order, background included), the output channel of a label its value in {@code label_names}.
     */
    private void deepEdit() {
        model.put("type", "deepedit");
        if (!model.has("guidance")) {
            unsupported.add("DeepEdit clicks without AddGuidanceSignalDeepEditd");
        }
        ObjectNode labels = model.putObject("labels");
        deepEditLabels.forEach((name, value) -> {
            if (value instanceof Number n) {
                labels.put(String.valueOf(name), n.intValue());
            } else {
                unsupported.add("DeepEdit label " + name + " has no integer value: " + value);
            }
        });
    }

    /**
     * The bundle's optimiser, learning rate and loss as the model's {@code training}, where MedLabel's trainer
     * reproduces them exactly; what it does not is named in the model's description (the trainer's defaults apply
     * there), never silently dropped. Epochs and batch sizes stay the app's: the zoo trains offline for hundreds of
     * epochs, an annotation loop retrains after every few labels.
     */
    private void training(BundleConfig train) {
        ObjectNode training = MAPPER.createObjectNode();
        List<String> notTaken = new ArrayList<>();
        if (train.has("optimizer")) {
            Object optimizer = lenient(train, "optimizer#_target_");
            String name = String.valueOf(optimizer);
            name = name.substring(name.lastIndexOf('.') + 1);
            if (name.equals("Adam") || name.equals("AdamW")) {
                training.put("optimizer", name.toLowerCase(Locale.ROOT));
                if (lenient(train, "optimizer#lr") instanceof Number lr) {
                    training.put("learningRate", lr.doubleValue());
                }
                if (lenient(train, "optimizer#weight_decay") instanceof Number wd) {
                    training.put("weightDecay", wd.doubleValue());
                }
            } else {
                notTaken.add("optimizer " + name);
            }
        }
        if (train.has("loss")) {
            String name = String.valueOf(lenient(train, "loss#_target_"));
            name = name.substring(name.lastIndexOf('.') + 1);
            if (name.equals("DiceCELoss") || name.equals("DiceLoss")) {
                training.put("loss", name.equals("DiceCELoss") ? "dice_ce" : "dice");
                List<String> options = new ArrayList<>();
                Map<String, Object> defaults = Map.of(
                        "include_background",
                        true,
                        "smooth_nr",
                        1e-5,
                        "smooth_dr",
                        1e-5,
                        "lambda_dice",
                        1.0,
                        "lambda_ce",
                        1.0);
                defaults.forEach((key, fallback) -> {
                    Object v = lenient(train, "loss#" + key);
                    if (v != null && !sameValue(v, fallback)) {
                        options.add(key + "=" + v);
                    }
                });
                options.sort(null);
                if (!options.isEmpty()) {
                    notTaken.add(name + " " + String.join(", ", options));
                }
                if (Boolean.TRUE.equals(lenient(train, "loss#squared_pred"))) {
                    training.put("squaredPred", true);
                }
                if (Boolean.TRUE.equals(lenient(train, "loss#batch"))) {
                    training.put("batchDice", true);
                }
            } else {
                notTaken.add("loss " + name);
            }
        }
        if (model.get("training") instanceof ObjectNode taken) {
            taken.setAll(training); // the slices a 2-D model trains on
            training = taken;
        }
        if (!training.isEmpty()) {
            model.set("training", training);
        }
        if (!notTaken.isEmpty()) {
            model.put(
                    "description",
                    model.get("description").asText() + " (bundle training settings MedLabel does not reproduce,"
                            + " its own used instead: " + String.join("; ", notTaken) + ")");
        }
    }

    private static boolean sameValue(Object a, Object b) {
        return a instanceof Number x && b instanceof Number y ? x.doubleValue() == y.doubleValue() : a.equals(b);
    }

    /** A training setting, or null where it needs Python: training settings never block an import. */
    private static Object lenient(BundleConfig config, String id) {
        try {
            return config.has(id) ? config.get(id) : null;
        } catch (BundleException e) {
            return null;
        }
    }

    private void network() {
        Map<String, Object> def = map(resolve("network_def"), "network_def");
        if (def == null) {
            return;
        }
        try {
            String name = MonaiNetworks.className(String.valueOf(def.get("_target_")));
            Map<String, Object> args = new LinkedHashMap<>(def);
            args.remove("_target_");
            if (name.equals("SwinUNETR")
                    && !args.containsKey("img_size")
                    && bundle.inference().has("inferer#roi_size")) {
                // MONAI 1.5 takes each window's size as it comes; MedLabel builds the graph for the roi
                args.put("img_size", bundle.inference().get("inferer#roi_size"));
            }
            MonaiNetworks.build(name, args, 0); // refuses what the builder cannot reproduce, by name
            if (args.get("spatial_dims") instanceof Number dims && dims.intValue() == 2) {
                model.put("dimension", 2);
            }
            ObjectNode network = model.putObject("network");
            network.put("monai", name);
            network.set("args", MAPPER.valueToTree(args));
            bundle.weights().ifPresent(w -> network.put("weights", w.toString()));
        } catch (IllegalArgumentException | BundleException e) {
            unsupported.add(e.getMessage());
        }
    }

    /**
     * A multi-channel input (several MR sequences) is one 4-D image whose channels come in the bundle's order: named
     * in the model's description, for whoever prepares the images.
     */
    private void inputs(BundleConfig metadata) {
        String id = "network_data_format#inputs#image#num_channels";
        if (metadata.has(id) && metadata.get(id) instanceof Number n && n.intValue() != 1) {
            Object names = metadata.has("network_data_format#inputs#image#channel_def")
                    ? metadata.get("network_data_format#inputs#image#channel_def")
                    : Map.of();
            String channels = names instanceof Map<?, ?> m && !m.isEmpty()
                    ? String.join(", ", m.values().stream().map(String::valueOf).toList())
                    : n + " channels";
            model.put(
                    "description",
                    model.get("description").asText() + " (input: one 4-D image of " + n + " channels: " + channels
                            + ")");
        }
    }

    private void preprocessing(Map<String, Object> t, ObjectNode pre) {
        String name = target(t);
        if (NO_OPS.contains(name)) {
            return;
        }
        if (GEOMETRY.contains(name) && intensitySeen) {
            unsupported.add("preprocessing " + name + " after an intensity transform (MedLabel resamples first)");
        }
        Args a = new Args("preprocessing " + name, t);
        switch (name) {
            case "Orientationd" -> pre.put("orientation", a.string("axcodes", null));
            case "Spacingd" -> {
                a.only("mode", "bilinear");
                Object pixdim = a.get("pixdim");
                List<Object> spacing =
                        pixdim instanceof List<?> l ? new ArrayList<>(l) : List.of(pixdim, pixdim, pixdim);
                pre.set("spacing", MAPPER.valueToTree(spacing));
            }
            case "ScaleIntensityRanged" -> {
                intensitySeen = true;
                ObjectNode w = pre.putObject("window");
                w.put("aMin", a.number("a_min", null));
                w.put("aMax", a.number("a_max", null));
                w.put("bMin", a.number("b_min", null));
                w.put("bMax", a.number("b_max", null));
                w.put("clip", a.bool("clip", false));
            }
            case "NormalizeIntensityd" -> {
                intensitySeen = true;
                a.only("subtrahend", null);
                a.only("divisor", null);
                ObjectNode n = pre.putObject("normalizeIntensity");
                n.put("nonzero", a.bool("nonzero", false));
                n.put("channelWise", a.bool("channel_wise", false));
            }
            case "ScaleIntensityd" -> {
                intensitySeen = true;
                a.only("factor", null);
                ObjectNode s = pre.putObject("scaleIntensity");
                s.put("min", a.number("minv", 0.0));
                s.put("max", a.number("maxv", 1.0));
            }
            case "OrientationGuidanceMultipleLabelDeepEditd",
                    "AddGuidanceFromPointsDeepEditd",
                    "ResizeGuidanceMultipleLabelDeepEditd" -> {
                // MedLabel maps each click through the image's own reorientation and resize
                a.ignore("ref_image", "guidance");
                if (a.get("label_names") instanceof Map<?, ?> names) {
                    deepEditLabels = names;
                }
            }
            case "Resized" -> {
                a.only("mode", "area");
                a.only("size_mode", "all");
                pre.set("resize", MAPPER.valueToTree(a.get("spatial_size")));
            }
            case "AddGuidanceSignalDeepEditd" -> {
                a.only("number_intensity_ch", 1);
                a.ignore("guidance");
                model.putObject("guidance").put("sigma", a.number("sigma", 3.0));
            }
            case "CropForegroundd" -> {
                a.only("select_fn", null);
                a.only("k_divisible", 1);
                a.ignore("source_key", "mode"); // the image itself; the inverse's padding of what is background
                pre.putObject("cropForeground").put("margin", (int) a.number("margin", 0.0));
            }
            default -> {
                unsupported.add("preprocessing transform " + name);
                return;
            }
        }
        a.check(unsupported);
    }

    private void inferer() {
        Map<String, Object> t = map(resolve("inferer"), "inferer");
        if (t == null) {
            return;
        }
        String name = target(t);
        ObjectNode inferer = model.putObject("inferer");
        Args a = new Args("inferer " + name, t);
        switch (name) {
            case "SimpleInferer" -> inferer.put("kind", "whole");
            case "SlidingWindowInferer" -> {
                Object roi = a.get("roi_size");
                slidingWindow(a, inferer, roi instanceof List<?> l ? new ArrayList<>(l) : List.of(roi, roi, roi));
            }
            case "SliceInferer" -> {
                // a 2-D sliding window over each slice along the third axis: a 3-D one whose roi is one slice deep
                int axis = (int) a.number("spatial_dim", 0.0);
                if (axis != 2) {
                    unsupported.add("inferer SliceInferer: spatial_dim=" + axis + " (only 2, the volume's slices)");
                }
                List<Object> roi = new ArrayList<>(a.get("roi_size") instanceof List<?> l ? l : List.of());
                roi.add(1);
                slidingWindow(a, inferer, roi);
                model.putObject("training").set("patch", MAPPER.valueToTree(roi));
            }
            default -> {
                unsupported.add("inferer " + name);
                return;
            }
        }
        a.check(unsupported);
    }

    /** MONAI's SlidingWindowInferer's settings as the app's sliding window over {@code roi}. */
    private static void slidingWindow(Args a, ObjectNode inferer, List<Object> roi) {
        inferer.put("kind", "sliding_window");
        inferer.set("roi", MAPPER.valueToTree(roi));
        inferer.put("overlap", a.number("overlap", 0.25));
        String mode = a.string("mode", "constant").toLowerCase(Locale.ROOT);
        inferer.put("blend", mode);
        String padding = a.string("padding_mode", "constant").toLowerCase(Locale.ROOT);
        inferer.put("padding", padding);
        a.only("sigma_scale", 0.125);
        a.only("cval", 0);
        // where and how many windows run at once: the same result
        a.ignore("sw_batch_size", "device", "sw_device", "progress", "cache_roi_weight_map");
    }

    /** The post steps; returns whether the network's output is read by a sigmoid. */
    private boolean postprocessing() {
        ObjectNode post = model.putObject("post");
        boolean sigmoid = false;
        boolean activated = false;
        boolean discrete = false;
        for (Map<String, Object> t : transforms("postprocessing")) {
            String name = target(t);
            if (NO_OPS.contains(name)) {
                continue;
            }
            Args a = new Args("postprocessing " + name, t);
            switch (name) {
                case "Activationsd" -> {
                    activated = true;
                    sigmoid = a.bool("sigmoid", false);
                    boolean softmax = a.bool("softmax", false);
                    if (sigmoid == softmax) {
                        unsupported.add("postprocessing Activationsd without exactly one of softmax and sigmoid");
                    }
                    post.put("activation", sigmoid ? "sigmoid" : "softmax");
                }
                case "Invertd" -> {
                    // what is inverted: labels already made (by nearest neighbour), probabilities, or the raw output
                    if (discrete) {
                        post.put("invert", "labels");
                    } else if (activated) {
                        post.put("invert", "probabilities");
                    }
                    continue;
                }
                case "AsDiscreted" -> {
                    discrete = true;
                    a.bool("argmax", false);
                    a.only("to_onehot", null);
                    if (t.get("threshold") != null) {
                        post.put("threshold", a.number("threshold", 0.5));
                    }
                }
                case "Lambdad" -> {
                    a.ignore("func");
                    a.only("overwrite", true);
                    a.only("inv_func", null);
                    try {
                        post.set(
                                "overlapping",
                                MAPPER.valueToTree(
                                        RegionLabels.parse(String.valueOf(BundleConfig.unresolved(t, "func")))));
                    } catch (BundleException e) {
                        unsupported.add(e.getMessage());
                    }
                }
                case "KeepLargestConnectedComponentd" -> {
                    a.only("applied_labels", null);
                    a.only("is_onehot", null);
                    a.only("independent", true);
                    a.only("connectivity", null);
                    post.put("largestComponent", true);
                }
                default -> {
                    unsupported.add("postprocessing transform " + name);
                    continue;
                }
            }
            a.check(unsupported);
        }
        if (!post.has("activation")) {
            post.put("activation", "softmax"); // AsDiscrete(argmax) straight on the logits: the same labels
        }
        return sigmoid;
    }

    /** Labels from metadata.json's output channels: channel i (i >= 1) is label value i. */
    private void labels(BundleConfig metadata, boolean sigmoid) {
        String prefix = "network_data_format#outputs#pred#";
        int channels =
                metadata.has(prefix + "num_channels") && metadata.get(prefix + "num_channels") instanceof Number n
                        ? n.intValue()
                        : 0;
        Map<?, ?> names =
                metadata.has(prefix + "channel_def") && metadata.get(prefix + "channel_def") instanceof Map<?, ?> m
                        ? m
                        : Map.of();
        ObjectNode labels = model.putObject("labels");
        if (sigmoid && channels > 1) {
            if (!(model.at("/post/overlapping") instanceof com.fasterxml.jackson.databind.node.ArrayNode regions)) {
                unsupported.add(
                        "a sigmoid output of " + channels + " overlapping channels without a Lambdad that labels them");
                return;
            }
            // each region's channel names the label it gives
            regions.forEach(pair -> {
                Object name = names.get(pair.get(0).asText());
                labels.put(
                        name == null ? "label_" + pair.get(1).asInt() : String.valueOf(name),
                        pair.get(1).asInt());
            });
            return;
        }
        int first = sigmoid ? 0 : 1;
        for (int c = first; c < Math.max(channels, first + 1); c++) {
            Object label = names.get(String.valueOf(c));
            labels.put(label == null ? "label_" + (c + 1 - first) : String.valueOf(label), c + 1 - first);
        }
    }

    /** The transforms of a Compose (or a plain list) at {@code id}. */
    private List<Map<String, Object>> transforms(String id) {
        Object value = bundle.inference().has(id) ? resolve(id) : List.of();
        if (value instanceof Map<?, ?> compose && compose.get("transforms") instanceof List<?> l) {
            value = l;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object t : list) {
                Map<String, Object> m = map(t, id);
                if (m != null) {
                    out.add(m);
                }
            }
        } else if (value != null) {
            unsupported.add(id + " is neither a Compose nor a list of transforms");
        }
        return out;
    }

    private Object resolve(String id) {
        try {
            return bundle.inference().get(id);
        } catch (BundleException e) {
            unsupported.add(e.getMessage());
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object value, String what) {
        if (value instanceof Map<?, ?> m && m.get("_target_") != null) {
            return (Map<String, Object>) m;
        }
        unsupported.add(what + " is not a MONAI object (no _target_): " + value);
        return null;
    }

    /** MONAI's class name without its module path. */
    private static String target(Map<String, Object> t) {
        String target = String.valueOf(t.get("_target_"));
        return target.substring(target.lastIndexOf('.') + 1);
    }

    /** One transform's arguments: read ones are known; any other argument makes the transform unsupported. */
    private static final class Args {

        private static final Set<String> ALWAYS = Set.of(
                "_target_", "keys", "allow_missing_keys", "meta_keys", "meta_key_postfix", "dtype", "_requires_");
        private final String what;
        private final Map<String, Object> values;
        private final Set<String> used = new java.util.HashSet<>(ALWAYS);
        private final List<String> problems = new ArrayList<>();

        Args(String what, Map<String, Object> values) {
            this.what = what;
            this.values = values;
        }

        Object get(String key) {
            used.add(key);
            return values.get(key);
        }

        /** Arguments that change nothing MedLabel computes, accepted without being read. */
        void ignore(String... keys) {
            used.addAll(List.of(keys));
        }

        String string(String key, String fallback) {
            Object v = get(key);
            if (v instanceof List<?> l && l.size() == 1) {
                v = l.get(0); // per-key settings given for the one image key
            }
            return v == null ? fallback : String.valueOf(v);
        }

        double number(String key, Double fallback) {
            Object v = get(key);
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            if (v == null && fallback != null) {
                return fallback;
            }
            problems.add(key + " must be a number, was " + v);
            return 0;
        }

        boolean bool(String key, boolean fallback) {
            Object v = get(key);
            return v instanceof Boolean b ? b : fallback;
        }

        /** A setting MedLabel reproduces only at this value (MONAI's default). */
        void only(String key, Object expected) {
            Object v = get(key);
            if (v instanceof List<?> l && l.size() == 1) {
                v = l.get(0);
            }
            boolean same = v == null
                    || (expected instanceof Number e && v instanceof Number n && e.doubleValue() == n.doubleValue())
                    || String.valueOf(v).equalsIgnoreCase(String.valueOf(expected));
            if (!same) {
                problems.add(key + "=" + v + " (only " + expected + ")");
            }
        }

        void check(List<String> unsupported) {
            List<String> unknown = values.keySet().stream()
                    .filter(k -> !used.contains(k))
                    .sorted()
                    .toList();
            if (!unknown.isEmpty()) {
                problems.add("arguments " + unknown);
            }
            if (!problems.isEmpty()) {
                unsupported.add(what + ": " + String.join(", ", problems));
            }
        }
    }
}
