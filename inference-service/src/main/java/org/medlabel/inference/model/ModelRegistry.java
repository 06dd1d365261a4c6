package org.medlabel.inference.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.medlabel.app.bundle.Bundle;
import org.medlabel.app.bundle.BundleException;
import org.medlabel.app.bundle.BundleImport;
import org.medlabel.app.config.AppDefinition;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.ModelType;
import org.medlabel.app.config.NetworkSpec;
import org.medlabel.app.network.InvalidCheckpointException;
import org.medlabel.app.network.NetworkFactory;
import org.medlabel.inference.config.InferenceConfig;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.GraphOptimizer;
import org.medlabel.ml.runtime.Device;
import org.medlabel.ml.runtime.SessionManager;
import org.medlabel.platform.objectstore.ModelStore;

/**
 * The version of each model that new requests use. At start-up each model's latest stored version is loaded, or,
 * when none exists, version 0 is built and stored; a {@code ModelPublished} event or an import switches a model to a
 * newer version atomically (requests in flight finish on the old one; see {@link ServedModel}).
 */
@ApplicationScoped
public class ModelRegistry {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> ARGS = new TypeReference<>() {};

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final AppDefinition app;
    /** The session key of a model being checked before it has a version: never served. */
    private static final int IMPORT_CHECK = -1;

    private final ModelStore store;
    private final SessionManager sessions;
    private final InferenceConfig config;
    private final Map<String, SessionManager> byDevice = new ConcurrentHashMap<>();
    private final Map<String, ServedModel> current = new ConcurrentHashMap<>();

    public ModelRegistry(AppDefinition app, ModelStore store, SessionManager sessions, InferenceConfig config) {
        this.app = app;
        this.store = store;
        this.sessions = sessions;
        this.config = config;
    }

    /** The sessions of the device a model asks for: the service's own, or one more per other device named. */
    private SessionManager sessions(ModelDefinition d) {
        if (d.device() == null || d.device().equals(config.device())) {
            return sessions;
        }
        return byDevice.computeIfAbsent(
                d.device(),
                device -> new SessionManager(
                        new SessionManager.Config(Device.parse(device), config.threadsPerWorker(), 1)));
    }

    @PreDestroy
    void close() {
        byDevice.values().forEach(s -> {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.warnf("closing sessions failed: %s", e.getMessage());
            }
        });
    }

    /** Loads every model's latest version, building and storing version 0 where the store has none. */
    public void loadAll() {
        store.prepare();
        app.models().forEach((name, definition) -> {
            if (current.containsKey(name)) {
                return;
            }
            OptionalInt latest = store.latestVersion(name);
            int version;
            byte[] onnx;
            if (latest.isPresent()) {
                version = latest.getAsInt();
                onnx = store.read(ModelStore.key(name, version));
            } else {
                version = 0;
                onnx = NetworkFactory.build(name, definition).toByteArray();
                store.write(ModelStore.key(name, 0), onnx);
                LOG.infof("model %s: built version 0 (fresh initialisation) and stored it", name);
            }
            install(name, version, onnx);
        });
    }

    /** Whether every model of the app is loaded (readiness). */
    public boolean ready() {
        return current.keySet().containsAll(app.models().keySet());
    }

    /** A lease on the current version of {@code model}; close it when the request is done. */
    public ServedModel lease(String model) {
        if (!app.models().containsKey(model)) {
            throw new UnknownModelException(model, app.models().keySet());
        }
        while (true) {
            ServedModel served = current.get(model);
            if (served == null) {
                throw new ModelNotLoadedException(model);
            }
            if (served.lease()) {
                return served;
            }
        }
    }

    /** The current version of each loaded model. */
    public Map<String, Integer> versions() {
        Map<String, Integer> v = new LinkedHashMap<>();
        app.models().keySet().forEach(m -> {
            ServedModel s = current.get(m);
            if (s != null) {
                v.put(m, s.version());
            }
        });
        return v;
    }

    /** Switches to {@code version} of {@code model} read from {@code objectKey}, unless an equal or newer one serves. */
    public void onPublished(String model, int version, String objectKey) {
        if (!app.models().containsKey(model)) {
            LOG.debugf("ignoring published model %s: not in this app", model);
            return;
        }
        ServedModel served = current.get(model);
        if (served != null && served.version() >= version) {
            return;
        }
        install(model, version, store.read(objectKey));
    }

    /**
     * A user's model file (ONNX, or a PyTorch checkpoint or TorchScript archive loaded into the app's network) as
     * ONNX the model can serve: checked by loading it and comparing its input and output channels with the model's
     * definition. It gets its version elsewhere (the training service numbers every version); {@link #serveImported}
     * then serves it.
     */
    public synchronized byte[] checkImport(String model, Path file) {
        if (!app.models().containsKey(model)) {
            throw new UnknownModelException(model, app.models().keySet());
        }
        byte[] onnx = !isZip(file)
                ? inModelAxes(model, file)
                : Bundle.isBundleZip(file) ? fromBundle(model, file) : fromCheckpoint(model, file);
        load(model, IMPORT_CHECK, onnx).retire();
        return onnx;
    }

    /** Serves an imported model under the version it was stored as (unless a newer one serves already). */
    public void serveImported(String model, int version, byte[] onnx) {
        install(model, version, onnx);
    }

    /** PyTorch's checkpoints and TorchScript archives are zip files; an ONNX model is a protobuf, never "PK\3\4". */
    private static boolean isZip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A user's ONNX network (exported from MONAI: its axes in MONAI's order) made to run on MedLabel's tensors. */
    private byte[] inModelAxes(String model, Path file) {
        ModelProto network;
        try (InputStream in = Files.newInputStream(file)) {
            network = ModelProto.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidModelException("the model for '" + model + "' is not an ONNX file: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (network.getGraph().getInputCount() == 0 || network.getGraph().getOutputCount() == 0) {
            throw new InvalidModelException("the ONNX model for '" + model + "' declares no input or no output");
        }
        SelfContained.require(model, network);
        return NetworkFactory.inModelAxes(network, app.models().get(model)).toByteArray();
    }

    /**
     * A MONAI bundle's weights ({@code models/model.pt} or {@code .ts}) in the model's network: the bundle must be one
     * MedLabel can run, ship its weights, and (for a model defined by MONAI's arguments) name the same network.
     */
    private byte[] fromBundle(String model, Path zip) {
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("medlabel-bundle");
            Bundle bundle = Bundle.open(zip, scratch);
            ObjectNode imported = BundleImport.model(bundle);
            Path weights = bundle.weights()
                    .orElseThrow(() -> new InvalidModelException("bundle " + bundle.name()
                            + " has no models/model.pt or models/model.ts: there are no weights to import"));
            NetworkSpec network = app.models().get(model).network();
            if (network.monai() != null) {
                String theirs = imported.at("/network/monai").asText();
                Map<String, Object> args = JSON.convertValue(imported.at("/network/args"), ARGS);
                if (!theirs.equals(network.monai()) || !args.equals(network.args())) {
                    throw new InvalidModelException("bundle " + bundle.name() + "'s network " + theirs + args
                            + " is not model '" + model + "''s " + network.monai() + network.args());
                }
            }
            return fromCheckpoint(model, weights);
        } catch (BundleException e) {
            throw new InvalidModelException(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (scratch != null) {
                Bundle.delete(scratch);
            }
        }
    }

    /** The model's network with the checkpoint's weights, as ONNX. */
    private byte[] fromCheckpoint(String model, Path checkpoint) {
        try {
            return NetworkFactory.fromCheckpoint(model, app.models().get(model), checkpoint)
                    .toByteArray();
        } catch (InvalidCheckpointException e) {
            throw new InvalidModelException(
                    "model '" + model + "': the PyTorch file cannot be imported: " + e.getMessage());
        }
    }

    private synchronized void install(String model, int version, byte[] onnx) {
        ServedModel previous = current.get(model);
        if (previous == null || previous.version() < version) {
            serve(load(model, version, onnx));
        }
    }

    /** A version optimised and loaded into a session, its channels checked against the definition; not yet served. */
    private ServedModel load(String model, int version, byte[] onnx) {
        ModelDefinition definition = app.models().get(model);
        SessionManager manager = sessions(definition);
        ModelProto optimised;
        try {
            optimised = GraphOptimizer.optimize(parse(model, onnx), manager.provider(), definition.networkInputVoxels())
                    .model();
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(what(model, version) + ": " + e.getMessage());
        }
        String key = model + "@" + version;
        try {
            var session = manager.session(key, optimised.toByteArray()).session();
            checkShapes(model, definition, session.getInputInfo(), session.getOutputInfo());
            return new ServedModel(model, version, definition, session, retired -> release(manager, key));
        } catch (OrtException e) {
            release(manager, key);
            throw new InvalidModelException(
                    what(model, version) + " cannot be loaded by ONNX Runtime: " + e.getMessage());
        } catch (InvalidModelException e) {
            release(manager, key);
            throw e;
        }
    }

    private static String what(String model, int version) {
        return "model '" + model + "'" + (version == IMPORT_CHECK ? " (imported)" : " version " + version);
    }

    /** Makes {@code loaded} the current version; the one it replaces closes after its last lease. */
    private synchronized void serve(ServedModel loaded) {
        ServedModel previous = current.put(loaded.name(), loaded);
        if (previous != null) {
            previous.retire();
        }
        LOG.infof("model %s: serving version %d", loaded.name(), loaded.version());
    }

    private void release(SessionManager manager, String key) {
        try {
            manager.release(key);
        } catch (OrtException e) {
            LOG.warnf("closing session %s failed: %s", key, e.getMessage());
        }
    }

    private static ModelProto parse(String model, byte[] onnx) {
        try {
            return ModelProto.parseFrom(onnx);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InvalidModelException("the model for '" + model + "' is not an ONNX file: " + e.getMessage());
        }
    }

    /**
     * One image input and one output of the model's rank ([N, C, D, H, W], or [N, C, H, W] for a 2-D model) whose
     * channel counts (when fixed) are what the model's pipeline feeds/reads.
     */
    private static void checkShapes(
            String model, ModelDefinition d, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
        if (inputs.size() != 1 || outputs.isEmpty()) {
            throw new InvalidModelException("model '" + model + "' must have one input and at least one output, has "
                    + inputs.size() + " and " + outputs.size());
        }
        NodeInfo input = inputs.values().iterator().next();
        NodeInfo output = outputs.values().iterator().next();
        checkRank(model, d, "input", input);
        checkRank(model, d, "output", output);
        check(model, "input", channels(input), d.inputChannels());
        check(model, "output", channels(output), expectedOutputChannels(d));
    }

    private static void checkRank(String model, ModelDefinition d, String what, NodeInfo info) {
        int expected = 2 + d.spatialDims();
        if (info.getInfo() instanceof TensorInfo t && t.getShape().length != expected) {
            throw new InvalidModelException("model '" + model + "' " + what + " has " + t.getShape().length
                    + " dimensions; its definition (dimension " + d.spatialDims() + ") needs " + expected + " ("
                    + (expected == 4 ? "[N, C, H, W]" : "[N, C, D, H, W]") + ")");
        }
    }

    private static void check(String model, String what, long actual, int expected) {
        if (actual > 0 && actual != expected) {
            throw new InvalidModelException(
                    "model '" + model + "' " + what + " has " + actual + " channels; its definition needs " + expected);
        }
    }

    private static long channels(NodeInfo info) {
        if (!(info.getInfo() instanceof TensorInfo t) || t.getShape().length < 2) {
            return -1;
        }
        return t.getShape()[1];
    }

    static int expectedOutputChannels(ModelDefinition d) {
        if (d.network().outChannels() != null) {
            return d.network().outChannels();
        }
        if (d.type() == ModelType.DEEPEDIT) {
            return d.labelValues().size();
        }
        return d.post().sigmoid()
                ? d.post().sigmoidChannels()
                : d.foregroundNames().size() + 1;
    }
}
