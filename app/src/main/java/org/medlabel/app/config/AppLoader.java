package org.medlabel.app.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.medlabel.app.bundle.Bundle;
import org.medlabel.app.bundle.BundleException;
import org.medlabel.app.bundle.BundleImport;
import org.medlabel.ml.nn.MonaiNetworks;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.runtime.Device;

/**
 * Reads an app file (YAML): a name that matches a shipped app ({@code radiology}) or a path. Unknown keys are errors,
 * not ignored, so a typo in a setting is found at start-up; every model is checked for what its type needs.
 */
public final class AppLoader {

    private static final Set<String> BUILDERS = Set.of("unet", "basic_unet", "unetr");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.LOWER_CAMEL_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private static Path scratch;

    private AppLoader() {}

    public static AppDefinition load(String nameOrPath) {
        try (InputStream shipped = AppLoader.class.getResourceAsStream("/apps/" + nameOrPath + ".yaml")) {
            if (shipped != null) {
                return parse(shipped, nameOrPath, Path.of(""));
            }
        } catch (IOException e) {
            throw new AppConfigException("cannot read the shipped app '" + nameOrPath + "': " + e.getMessage(), e);
        }
        Path path = Path.of(nameOrPath);
        if (!Files.isRegularFile(path)) {
            throw new AppConfigException("no app '" + nameOrPath + "': neither a shipped app (radiology) nor a file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return parse(in, path.toString(), path.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new AppConfigException("cannot read app file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses and validates an app from YAML; {@code source} names it in error messages. */
    public static AppDefinition parse(InputStream in, String source) {
        return parse(in, source, Path.of(""));
    }

    /**
     * As {@link #parse(InputStream, String)}; a model's {@code bundle} (a MONAI bundle folder or zip, relative to
     * {@code base}) supplies every key the model does not set itself ({@link BundleImport}).
     */
    public static AppDefinition parse(InputStream in, String source, Path base) {
        AppDefinition app;
        try {
            JsonNode tree = YAML.readTree(in);
            if (tree != null && tree.get("models") instanceof ObjectNode models) {
                models.fields().forEachRemaining(e -> {
                    if (e.getValue() instanceof ObjectNode model && model.has("bundle")) {
                        e.setValue(fromBundle(source, e.getKey(), model, base));
                    }
                });
            }
            app = tree == null ? null : YAML.treeToValue(tree, AppDefinition.class);
        } catch (IOException e) {
            throw new AppConfigException("app " + source + " is not valid: " + e.getMessage(), e);
        }
        if (app == null
                || app.name() == null
                || app.models() == null
                || app.models().isEmpty()) {
            throw new AppConfigException("app " + source + " needs a name and at least one model");
        }
        app.models().forEach((name, model) -> validate(source, name, model));
        return app;
    }

    /** The bundle's model with the app's own keys for it laid over (each key replaces the bundle's whole). */
    private static ObjectNode fromBundle(String source, String name, ObjectNode model, Path base) {
        Path path = base.resolve(model.get("bundle").asText());
        try {
            ObjectNode merged = BundleImport.model(Bundle.open(path, bundleScratch()));
            model.fields().forEachRemaining(e -> {
                if (!e.getKey().equals("bundle")) {
                    merged.set(e.getKey(), e.getValue());
                }
            });
            return merged;
        } catch (BundleException e) {
            throw new AppConfigException(
                    "app " + source + ", model '" + name + "': bundle " + path + ": " + e.getMessage(), e);
        }
    }

    /** Where zipped bundles of app files unpack: their weights are read when each model is built. */
    private static synchronized Path bundleScratch() {
        if (scratch == null) {
            try {
                scratch = Files.createTempDirectory("medlabel-bundles");
            } catch (IOException e) {
                throw new AppConfigException("cannot make a scratch folder for bundles: " + e.getMessage(), e);
            }
        }
        return scratch;
    }

    private static void validate(String source, String name, ModelDefinition m) {
        String where = "app " + source + ", model '" + name + "': ";
        require(name.matches("[A-Za-z0-9_.-]{1,64}"), where + "names are 1-64 letters, digits, '_', '.' or '-'");
        require(m.type() != null, where + "'type' is required (segmentation, deepgrow or deepedit)");
        require(!m.labelValues().isEmpty(), where + "'labels' must name at least one label");
        require(m.network() != null, where + "'network' is required");
        NetworkSpec n = m.network();
        require(
                (n.builder() != null ? 1 : 0) + (n.monai() != null ? 1 : 0) + (n.file() != null ? 1 : 0) == 1,
                where + "'network' takes one of 'builder' (" + BUILDERS + "), 'monai' (with 'args') or 'file'");
        require(n.args() == null || n.monai() != null, where + "'network.args' are MONAI's arguments of 'monai'");
        require(
                n.builder() == null || BUILDERS.contains(n.builder()),
                where + "unknown network builder '" + n.builder() + "'; known: " + BUILDERS);
        require(
                n.builder() == null || (n.inChannels() != null && n.outChannels() != null),
                where + "a built network needs 'inChannels' and 'outChannels'");
        String letters = m.spatialDims() == 2 ? "ij" : "ijk";
        require(
                n.axes() == null || sorted(n.axes()).equals(letters),
                where + "'network.axes' must order the letters " + letters);
        require(
                n.weights() == null || n.built(),
                where + "'network.weights' (a PyTorch checkpoint) needs a 'builder' or 'monai' network to load into");
        ModelProto monai = null;
        if (n.monai() != null) {
            try {
                monai = MonaiNetworks.build(n.monai(), n.args() == null ? Map.of() : n.args(), 0);
            } catch (IllegalArgumentException e) {
                throw new AppConfigException(where + "'network': " + e.getMessage());
            }
        }
        require(
                m.inferer() != null
                        && List.of("whole", "sliding_window", "fitted")
                                .contains(m.inferer().kind()),
                where + "'inferer.kind' must be whole, sliding_window or fitted");
        require(
                !m.inferer().fitted()
                        || (m.inferer().maxWindowVoxels() != null && m.inferer().maxWindowVoxels() >= 4096),
                where + "a fitted inferer needs 'inferer.maxWindowVoxels' >= 4096");
        if (m.inferer().slidingWindow()) {
            require(triple(m.inferer().roi()), where + "'inferer.roi' must be 3 positive sizes");
            double overlap = m.inferer().overlap() == null ? 0.25 : m.inferer().overlap();
            require(overlap >= 0 && overlap < 1, where + "'inferer.overlap' must be in [0, 1)");
        }
        if (monai != null) {
            fixedInputSize(where, m, monai);
        }
        require(
                m.inferer().blend() == null
                        || List.of("constant", "gaussian").contains(m.inferer().blend()),
                where + "'inferer.blend' must be constant or gaussian");
        require(
                m.inferer().padding() == null
                        || List.of("constant", "replicate").contains(m.inferer().padding()),
                where + "'inferer.padding' must be constant or replicate");
        require(
                m.post() != null
                        && List.of("softmax", "sigmoid").contains(m.post().activation()),
                where + "'post.activation' must be softmax or sigmoid");
        require(
                m.post().invert() == null
                        || List.of("scores", "probabilities", "labels")
                                .contains(m.post().invert()),
                where + "'post.invert' must be scores, probabilities or labels");
        if (m.post().overlapping() != null) {
            require(m.post().sigmoid(), where + "'post.overlapping' labels sigmoid channels: it needs a sigmoid");
            Set<Integer> values = new java.util.HashSet<>(m.labelValues().values());
            for (List<Integer> pair : m.post().overlapping()) {
                require(
                        pair != null && pair.size() == 2 && pair.get(0) >= 0 && values.contains(pair.get(1)),
                        where + "'post.overlapping' takes [channel, label value] pairs of the model's labels, not "
                                + pair);
            }
        }
        PreProcessing pre = m.pre();
        int dims = m.spatialDims();
        require(dims == 2 || dims == 3, where + "'dimension' must be 2 or 3");
        if (dims == 2 && m.type() == ModelType.SEGMENTATION) {
            // MONAI's SliceInferer: a 2-D sliding window over each slice, a 3-D one whose roi is one slice deep
            require(
                    m.inferer().slidingWindow()
                            && triple(m.inferer().roi())
                            && m.inferer().roi().get(2) == 1,
                    where + "a 2-D segmentation model runs on slices: 'inferer' must be sliding_window with a roi of"
                            + " [x, y, 1]");
            require(
                    m.trainingSettings().patch().get(2) == 1,
                    where + "a 2-D segmentation model trains on slices: 'training.patch' must be [x, y, 1]");
        } else if (dims == 2) {
            require(
                    m.type() == ModelType.DEEPGROW,
                    where + "only DeepGrow and segmentation models take 'dimension: 2'");
            require(
                    m.inferer().kind().equals("whole"),
                    where + "a 2-D DeepGrow model sees one slice whole ('inferer.kind: whole')");
            require(
                    pre == null || (pre.orientation() == null && pre.resize() == null),
                    where + "a 2-D model works on the image's own slices: no 'pre.orientation' or 'pre.resize'");
        }
        if (pre != null) {
            require(
                    pre.spacing() == null
                            || ((pre.spacing().size() == dims || pre.spacing().size() == 2)
                                    && pre.spacing().stream().allMatch(s -> s > 0)),
                    where + "'pre.spacing' must be " + (dims == 2 ? "2" : "3 (or 2: in-plane only)")
                            + " positive millimetre values" + (dims == 2 ? " (in-plane; slices keep their own)" : ""));
            require(pre.resize() == null || triple(pre.resize()), where + "'pre.resize' must be 3 positive sizes");
            require(
                    pre.window() == null || pre.window().aMax() != pre.window().aMin(),
                    where + "'pre.window' needs aMin != aMax");
            require(
                    (pre.window() != null ? 1 : 0)
                                    + (pre.normalize() != null ? 1 : 0)
                                    + (pre.normalizeIntensity() != null ? 1 : 0)
                            <= 1,
                    where + "'pre' takes at most one of 'window', 'normalize' and 'normalizeIntensity'");
            require(
                    pre.normalize() == null || pre.normalize().divisor() != 0,
                    where + "'pre.normalize.divisor' must not be 0");
            require(
                    pre.smooth() == null || pre.smooth() > 0,
                    where + "'pre.smooth' (sigma in voxels) must be positive");
            require(
                    pre.scaleIntensity() == null
                            || pre.scaleIntensity().max()
                                    != pre.scaleIntensity().min(),
                    where + "'pre.scaleIntensity' needs min != max");
            require(
                    pre.cropForeground() == null
                            || (m.type() == ModelType.SEGMENTATION
                                    && pre.window() != null
                                    && pre.window().bMin() < pre.window().bMax()
                                    && pre.window().clip()
                                    && pre.cropForeground().margin() >= 0),
                    where + "'pre.cropForeground' needs a segmentation model, a clipped 'pre.window' with bMin < bMax"
                            + " (its floor is the background), and a margin >= 0");
        }
        if (m.device() != null) {
            try {
                Device.parse(m.device());
            } catch (IllegalArgumentException e) {
                throw new AppConfigException(where + "'device': " + e.getMessage());
            }
        }
        if (m.type() != ModelType.SEGMENTATION) {
            require(m.guidance() != null && m.guidance().sigma() > 0, where + "click models need 'guidance.sigma' > 0");
        }
        if (m.type() == ModelType.DEEPGROW) {
            Guidance g = m.guidance();
            require(
                    g.modelSize() != null
                            && g.modelSize().size() == dims
                            && g.modelSize().stream().allMatch(s -> s != null && s > 0),
                    where + "'guidance.modelSize' must be " + dims + " positive sizes");
            require(g.cropSize() != null && g.cropSize().size() == 2, where + "'guidance.cropSize' must be 2 sizes");
            require(
                    n.inChannels() == null || n.inChannels() == 3,
                    where + "DeepGrow networks take 3 channels (image, foreground, background)");
        }
        if (m.type() == ModelType.DEEPEDIT) {
            int labels = m.labelValues().size();
            require(
                    n.inChannels() == null || n.inChannels() == labels + 1,
                    where + "DeepEdit networks take 1 + one guidance channel per label (" + (labels + 1) + ")");
            require(pre == null || pre.resize() != null, where + "DeepEdit needs 'pre.resize'");
        }
        validateTraining(where, m.trainingSettings());
        require(
                m.config() == null || m.config().values().stream().allMatch(v -> !(v instanceof Map)),
                where + "'config' values are scalars or lists of choices");
    }

    private static void validateTraining(String where, Training t) {
        String at = where + "'training.";
        require(t.threshold() >= 1, at + "threshold' must be >= 1");
        require(t.debounceSeconds() >= 1, at + "debounceSeconds' must be >= 1");
        require(t.maxEpochs() >= 1, at + "maxEpochs' must be >= 1");
        require(t.valSplit() >= 0 && t.valSplit() < 1, at + "valSplit' must be in [0, 1)");
        require(
                t.trainBatchSize() >= 1 && t.valBatchSize() >= 1,
                at + "trainBatchSize' and 'valBatchSize' must be >= 1");
        require(t.learningRate() > 0, at + "learningRate' must be > 0");
        require(triple(t.patch()), at + "patch' must be 3 positive sizes");
        require(t.samplesPerImage() >= 1, at + "samplesPerImage' must be >= 1");
        require(
                t.cropsPerStep() >= 1 && t.samplesPerImage() % t.cropsPerStep() == 0,
                at + "cropsPerStep' must divide samplesPerImage (" + t.samplesPerImage() + ")");
        require(
                t.positive() >= 0 && t.negative() >= 0 && t.positive() + t.negative() > 0,
                at + "positive' and 'negative' must be >= 0, not both 0");
        require(t.flipProbability() >= 0 && t.flipProbability() <= 1, at + "flipProbability' must be in [0, 1]");
        require(
                t.rotate90Probability() >= 0 && t.rotate90Probability() <= 1,
                at + "rotate90Probability' must be in [0, 1]");
        require(
                t.rotate90Probability() == 0
                        || t.patch().get(0).equals(t.patch().get(1)),
                at + "rotate90Probability' needs a patch square in x and y (a quarter turn swaps them), was "
                        + t.patch());
        require(t.shiftIntensity() >= 0, at + "shiftIntensity' must be >= 0");
        require(t.shiftProbability() >= 0 && t.shiftProbability() <= 1, at + "shiftProbability' must be in [0, 1]");
        require(t.maxGradNorm() >= 0, at + "maxGradNorm' must be >= 0");
        require(List.of("adam", "adamw").contains(t.optimizer()), at + "optimizer' must be adam or adamw");
        require(t.weightDecay() >= 0, at + "weightDecay' must be >= 0");
        require(List.of("dice_ce", "dice").contains(t.loss()), at + "loss' must be dice_ce or dice");
    }

    private static String sorted(String s) {
        char[] c = s.toCharArray();
        Arrays.sort(c);
        return new String(c);
    }

    private static boolean triple(List<Integer> sizes) {
        return sizes != null && sizes.size() == 3 && sizes.stream().allMatch(s -> s != null && s > 0);
    }

    /**
     * A network built for one input size (UNETR, SwinUNETR) runs only on sliding windows of that size: the roi, read
     * along the axes the network reads the image by.
     */
    private static void fixedInputSize(String where, ModelDefinition m, ModelProto network) {
        var dims = network.getGraph()
                .getInput(0)
                .getType()
                .getTensorType()
                .getShape()
                .getDimList();
        List<Long> size = dims.stream()
                .skip(2)
                .map(d -> d.hasDimValue() ? d.getDimValue() : -1L)
                .toList();
        if (size.isEmpty() || size.contains(-1L) || size.size() != 3) {
            return;
        }
        String axes = m.networkAxes();
        boolean fits = m.inferer().slidingWindow()
                && triple(m.inferer().roi())
                && java.util.stream.IntStream.range(0, 3)
                        .allMatch(a -> m.inferer().roi().get(axes.charAt(a) - 'i')
                                == size.get(a).intValue());
        require(
                fits,
                where + "network " + m.network().monai() + " is built for inputs of " + size
                        + ": 'inferer' must be sliding_window with that 'roi' (" + axes + " order)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new AppConfigException(message);
        }
    }
}
