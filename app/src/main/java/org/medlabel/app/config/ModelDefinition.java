package org.medlabel.app.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One model of an app: its type, labels (a list, or names to label values; order matters), user-tunable config shown
 * in {@code /info/} (a list value is a choice list, first = default), network, its processing, and optionally the
 * device it runs on ({@code auto}, {@code cpu}, {@code cuda:N}; default: the service's) and how it is trained.
 */
public record ModelDefinition(
        ModelType type,
        String description,
        Integer dimension,
        JsonNode labels,
        Map<String, Object> config,
        NetworkSpec network,
        PreProcessing pre,
        Inferer inferer,
        PostProcessing post,
        Guidance guidance,
        String device,
        Training training) {

    /**
     * The channels the network reads: the builder's {@code inChannels} or MONAI's {@code in_channels}, else what the
     * model type stacks (the image; DeepGrow's image and two click maps; DeepEdit's image and one click map per label).
     */
    public int inputChannels() {
        if (network.inChannels() != null) {
            return network.inChannels();
        }
        if (network.args() != null && network.args().get("in_channels") instanceof Number n) {
            return n.intValue();
        }
        return switch (type) {
            case SEGMENTATION -> 1;
            case DEEPGROW -> 3;
            case DEEPEDIT -> labelValues().size() + 1;
        };
    }

    /** The channels of the images the model segments: a segmentation network's input; click models' one image. */
    public int imageChannels() {
        return type == ModelType.SEGMENTATION ? inputChannels() : 1;
    }

    /** The network's spatial dimensions: 3 (volumes, the default) or 2 (one slice at a time: DeepGrow 2D). */
    public int spatialDims() {
        return dimension == null ? 3 : dimension;
    }

    /**
     * Which image axis each spatial axis of the network reads, in MONAI's letters (i, j, k = x, y, z): what MONAI
     * Label's pre-transforms hand its network. {@code network.axes} if given; else DeepGrow 3-D's {@code kij}
     * ({@code Transposed([2, 0, 1])} after loading), a 2-D model's {@code ij}, every other model's {@code ijk} (the
     * array as loaded).
     */
    public String networkAxes() {
        if (network != null && network.axes() != null) {
            return network.axes();
        }
        if (spatialDims() == 2) {
            return "ij";
        }
        return type == ModelType.DEEPGROW ? "kij" : "ijk";
    }

    /**
     * The most voxels one network pass takes, where the definition fixes it: a sliding window's roi, a fitted
     * window's budget, DeepGrow's model size, a resized volume; empty where the image's size decides. The
     * optimiser's memory bound for rewrites that trade memory for speed.
     */
    public OptionalLong networkInputVoxels() {
        if (inferer != null && inferer.slidingWindow() && inferer.roi() != null) {
            return OptionalLong.of(product(inferer.roi()));
        }
        if (inferer != null && inferer.fitted() && inferer.maxWindowVoxels() != null) {
            return OptionalLong.of(inferer.maxWindowVoxels());
        }
        if (guidance != null && guidance.modelSize() != null) {
            return OptionalLong.of(product(guidance.modelSize()));
        }
        if (pre != null && pre.resize() != null) {
            return OptionalLong.of(product(pre.resize()));
        }
        return OptionalLong.empty();
    }

    private static long product(List<Integer> sizes) {
        long p = 1;
        for (int s : sizes) {
            p *= s;
        }
        return p;
    }

    /** How this model trains: its {@code training} section with defaults filled in. */
    public Training trainingSettings() {
        return training == null ? Training.defaults() : training.resolved();
    }

    /** Label names to values: a dict as given; a list numbered 1..n in order. */
    public Map<String, Integer> labelValues() {
        Map<String, Integer> values = new LinkedHashMap<>();
        if (labels == null) {
            return values;
        }
        if (labels.isArray()) {
            for (int i = 0; i < labels.size(); i++) {
                values.put(labels.get(i).asText(), i + 1);
            }
        } else {
            labels.fields()
                    .forEachRemaining(e -> values.put(e.getKey(), e.getValue().asInt()));
        }
        return values;
    }

    /** The labels in order, without background: what the output channels 1..n (or DeepEdit's indices) stand for. */
    public List<String> foregroundNames() {
        return labelValues().keySet().stream()
                .filter(n -> !n.equalsIgnoreCase("background"))
                .toList();
    }

    /**
     * Label value to output channel: the j-th foreground label (in order) is channel j, as inference writes channel
     * indices and DeepEdit maps them back to values; values of no foreground label are background (0).
     */
    public Map<Integer, Integer> channelOfValue() {
        Map<Integer, Integer> channels = new LinkedHashMap<>();
        List<String> names = foregroundNames();
        for (int j = 0; j < names.size(); j++) {
            channels.put(labelValues().get(names.get(j)), j + 1);
        }
        return channels;
    }
}
