package org.medlabel.app.network;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.medlabel.app.config.AppConfigException;
import org.medlabel.app.config.ModelDefinition;
import org.medlabel.app.config.NetworkSpec;
import org.medlabel.ml.nn.BasicUNetBuilder;
import org.medlabel.ml.nn.MonaiNetworks;
import org.medlabel.ml.nn.Norm;
import org.medlabel.ml.nn.StateDictLoader;
import org.medlabel.ml.nn.UNetBuilder;
import org.medlabel.ml.nn.UnetrBuilder;
import org.medlabel.ml.nn.WeightMismatchException;
import org.medlabel.ml.onnx.OnnxModelIo;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;
import org.medlabel.ml.rewrite.SpatialAxes;
import org.medlabel.ml.torch.StateDict;
import org.medlabel.ml.torch.TorchCheckpoint;

/**
 * Version 0 of a model: the network its app names, built by {@code ml}'s builders with a seed derived from the model's
 * name (so every replica builds the same bytes) and, where the app gives {@code network.weights}, loaded with that
 * checkpoint's weights; or read from the ONNX file it names. {@link #fromCheckpoint} makes a PyTorch checkpoint or
 * TorchScript file (MONAI's parameter names) a version of a built model.
 */
public final class NetworkFactory {

    private NetworkFactory() {}

    public static ModelProto build(String model, ModelDefinition d) {
        NetworkSpec n = d.network();
        if (n.file() != null) {
            try {
                return inModelAxes(OnnxModelIo.read(Path.of(n.file())), d);
            } catch (IOException e) {
                throw new AppConfigException("model '" + model + "': cannot read network file " + n.file(), e);
            }
        }
        if (n.weights() == null) {
            return inModelAxes(network(model, d), d);
        }
        try {
            return fromCheckpoint(model, d, WeightsFile.resolve(n.weights()));
        } catch (RuntimeException e) {
            throw new AppConfigException(
                    "model '" + model + "': network.weights " + n.weights() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model's network with the weights of a PyTorch checkpoint ({@code torch.save} of a state dict, plain or under
     * "model" / "state_dict") or a TorchScript archive, matched strictly by MONAI's parameter names.
     *
     * @throws InvalidCheckpointException naming what is wrong with the file or which keys and shapes do not fit
     */
    public static ModelProto fromCheckpoint(String model, ModelDefinition d, Path checkpoint) {
        if (!d.network().built()) {
            throw new InvalidCheckpointException(
                    "model '" + model + "' is defined by an ONNX file, so a PyTorch "
                            + "checkpoint has no network to load into; send an ONNX model",
                    null);
        }
        StateDict weights;
        try {
            weights = TorchCheckpoint.read(checkpoint);
        } catch (IOException e) {
            throw new InvalidCheckpointException(e.getMessage(), e);
        }
        try {
            return inModelAxes(StateDictLoader.load(network(model, d), weights), d);
        } catch (WeightMismatchException e) {
            throw new InvalidCheckpointException(e.getMessage() + " (read from the " + weights.source() + ")", e);
        }
    }

    /** The app's network freshly initialised (no {@code network.weights}), in the model's axes. */
    public static ModelProto fresh(String model, ModelDefinition d) {
        return d.network().file() != null ? build(model, d) : inModelAxes(network(model, d), d);
    }

    /**
     * A network that reads the image's axes in MONAI's order ({@link ModelDefinition#networkAxes}) wrapped to run on
     * MedLabel's tensors; a model MedLabel already wrapped (one it built, trained or exported) stays as it is.
     */
    public static ModelProto inModelAxes(ModelProto network, ModelDefinition d) {
        return SpatialAxes.wrap(network, d.networkAxes());
    }

    /** The app's network, freshly initialised. */
    private static ModelProto network(String model, ModelDefinition d) {
        NetworkSpec n = d.network();
        long seed = model.hashCode();
        try {
            if (n.monai() != null) {
                return MonaiNetworks.build(n.monai(), n.args() == null ? Map.of() : n.args(), seed);
            }
            return switch (n.builder()) {
                case "unet" -> {
                    UNetBuilder b = new UNetBuilder()
                            .inChannels(n.inChannels())
                            .outChannels(n.outChannels())
                            .seed(seed);
                    if (n.channels() != null) {
                        b.channels(ints(n.channels()));
                    }
                    if (n.strides() != null) {
                        b.strides(ints(n.strides()));
                    }
                    if (n.residualUnits() != null) {
                        b.residualUnits(n.residualUnits());
                    }
                    if (n.norm() != null) {
                        b.norm(norm(n.norm()));
                    }
                    yield b.build();
                }
                case "basic_unet" -> {
                    BasicUNetBuilder b = new BasicUNetBuilder()
                            .spatialDims(d.spatialDims())
                            .inChannels(n.inChannels())
                            .outChannels(n.outChannels())
                            .seed(seed);
                    if (n.features() != null) {
                        b.features(ints(n.features()));
                    }
                    if (n.norm() != null) {
                        b.norm(norm(n.norm()));
                    }
                    yield b.build();
                }
                case "unetr" -> {
                    UnetrBuilder b = new UnetrBuilder()
                            .inChannels(n.inChannels())
                            .outChannels(n.outChannels())
                            .seed(seed);
                    if (n.imageSize() != null) {
                        b.imageSize(
                                n.imageSize().get(0),
                                n.imageSize().get(1),
                                n.imageSize().get(2));
                    }
                    if (n.featureSize() != null) {
                        b.featureSize(n.featureSize());
                    }
                    if (n.hiddenSize() != null) {
                        b.hiddenSize(n.hiddenSize());
                    }
                    if (n.mlpDim() != null) {
                        b.mlpDim(n.mlpDim());
                    }
                    if (n.heads() != null) {
                        b.heads(n.heads());
                    }
                    yield b.build();
                }
                default -> throw new AppConfigException("model '" + model + "': unknown builder " + n.builder());
            };
        } catch (IllegalArgumentException e) {
            throw new AppConfigException("model '" + model + "': " + e.getMessage(), e);
        }
    }

    private static Norm norm(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "instance" -> Norm.INSTANCE;
            case "instance_affine" -> Norm.INSTANCE_AFFINE;
            case "batch" -> Norm.BATCH;
            case "none" -> Norm.NONE;
            default ->
                throw new IllegalArgumentException(
                        "unknown norm '" + name + "'; known: instance, instance_affine, batch, none");
        };
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
