package org.medlabel.ml.nn;

import static org.medlabel.ml.onnx.Attributes.integer;
import static org.medlabel.ml.onnx.Attributes.real;
import static org.medlabel.ml.onnx.Attributes.repeated;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.AttributeProto;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * The layers the network builders share, emitted as ONNX opset {@value #OPSET} nodes for 3-D volumes [N, C, D, H, W]
 * or, with a spatial rank of 2, images [N, C, H, W]. Parameters are initialised as PyTorch does by default (uniform in ±1/√fan_in), so a built network trains like its
 * MONAI counterpart; parameters are named {@code <layer>.weight}, {@code <layer>.bias}...
 */
final class Layers {

    static final int OPSET = 18;
    private final int spatial;
    private final GraphBuilder g;
    private final Random random;
    private final Map<String, String> scalars = new HashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    Layers(GraphBuilder g, long seed) {
        this(g, seed, 3);
    }

    /** Layers over {@code spatial} (2 or 3) spatial axes. */
    Layers(GraphBuilder g, long seed, int spatial) {
        this.g = g;
        this.random = new Random(seed);
        this.spatial = spatial;
    }

    GraphBuilder graph() {
        return g;
    }

    /** How a convolution's parameters start: PyTorch's default, or the Kaiming normal some MONAI networks apply. */
    enum Init {
        /** Weights and bias uniform in ±1/√fan_in (PyTorch's default for convolutions). */
        PYTORCH,
        /** {@code kaiming_normal_(a=0.01)}, bias 0: DynUNet's {@code initialize_weights}. */
        KAIMING_LEAKY
    }

    /** Conv3d (or Conv2d) with a kernel of {@code k} along each axis, "same" padding (k/2) and the given stride. */
    String conv(String name, String x, int cin, int cout, int k, int stride, boolean bias) {
        return conv(name, x, cin, cout, same(k), same(stride), same(k / 2), bias, Init.PYTORCH);
    }

    /** A convolution with a kernel, stride and padding per spatial axis (MONAI's anisotropic layers). */
    String conv(String name, String x, int cin, int cout, int[] k, int[] stride, int[] pad, boolean bias, Init init) {
        long fanIn = cin * kernelVolume(k);
        String w = g.floats(name + ".weight", weightShape(cout, cin, k), weights(init, cout * fanIn, fanIn));
        List<String> inputs = bias ? List.of(x, w, biasOf(name, cout, fanIn, init)) : List.of(x, w);
        return g.node("Conv", inputs, ints("kernel_shape", k), ints("strides", stride), ints("pads", twice(pad)));
    }

    /** ConvTranspose3d (or 2d); PyTorch takes its fan-in from the output channels. */
    String convTranspose(
            String name, String x, int cin, int cout, int k, int stride, int pad, int outputPad, boolean bias) {
        return convTranspose(name, x, cin, cout, same(k), same(stride), same(pad), same(outputPad), bias, Init.PYTORCH);
    }

    String convTranspose(
            String name,
            String x,
            int cin,
            int cout,
            int[] k,
            int[] stride,
            int[] pad,
            int[] outputPad,
            boolean bias,
            Init init) {
        long fanIn = cout * kernelVolume(k);
        String w = g.floats(name + ".weight", weightShape(cin, cout, k), weights(init, cin * fanIn, fanIn));
        List<String> inputs = bias ? List.of(x, w, biasOf(name, cout, fanIn, init)) : List.of(x, w);
        return g.node(
                "ConvTranspose",
                inputs,
                ints("kernel_shape", k),
                ints("strides", stride),
                ints("pads", twice(pad)),
                ints("output_padding", outputPad));
    }

    /**
     * PyTorch's {@code GroupNorm(groups, channels)} (eps 1e-5, affine): the channels of each group normalised together.
     * The volume is viewed as [N, groups, channels / groups, spatial...] and its moments taken in two passes, one axis at
     * a time: ONNX Runtime sums a reduction (and its {@code InstanceNormalization}) in order in float32, which over a
     * 96³ window loses about 1e-3; partial sums along one axis keep PyTorch's precision.
     */
    String groupNorm(String name, String x, int channels, int groups) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels cannot be split into " + groups + " groups");
        }
        String shape = g.node("Shape", List.of(x));
        String spatialSizes =
                g.node("Slice", List.of(shape, g.int64s("gn.from", 2), g.int64s("gn.to", Long.MAX_VALUE)));
        String grouped = g.node(
                "Reshape",
                List.of(
                        x,
                        g.node(
                                "Concat",
                                List.of(g.int64s("gn.groups", 0, groups, channels / groups), spatialSizes),
                                integer("axis", 0))));
        String centred = g.node("Sub", List.of(grouped, axisByAxisMean(grouped)));
        String variance = axisByAxisMean(g.node("Mul", List.of(centred, centred)));
        String deviation = g.node("Sqrt", List.of(add(variance, scalar("gn.epsilon", 1e-5f))));
        String back = g.node("Reshape", List.of(g.node("Div", List.of(centred, deviation)), shape));
        long[] perChannel = new long[1 + spatial];
        Arrays.fill(perChannel, 1);
        perChannel[0] = channels;
        // stored [C, 1, ...] so that they broadcast without a reshape that folding would turn into a new tensor
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        String scale = g.floats(name + ".weight", perChannel, ones);
        String shift = g.floats(name + ".bias", perChannel, new float[channels]);
        return add(g.node("Mul", List.of(back, scale)), shift);
    }

    /** The mean over the axes after the second of [N, G, ...] (rank 3 + spatial), the last axis first. */
    private String axisByAxisMean(String x) {
        String y = x;
        for (int axis = 2 + spatial; axis >= 2; axis--) {
            y = g.node("ReduceMean", List.of(y, g.int64s("gn.axis", axis)), integer("keepdims", 1));
        }
        return y;
    }

    /** {@code nn.Upsample(scale_factor=2, mode="(tri)linear", align_corners=False)}: ONNX's half-pixel linear resize. */
    String upsampleLinear2(String x) {
        float[] scales = new float[2 + spatial];
        Arrays.fill(scales, 2f);
        scales[0] = 1f;
        scales[1] = 1f;
        String s = scalars.computeIfAbsent(
                "upsample2", key -> g.floats("fixed.upsample2", new long[] {scales.length}, scales));
        return g.node(
                "Resize",
                List.of(x, "", s),
                Attributes.string("mode", "linear"),
                Attributes.string("coordinate_transformation_mode", "half_pixel"));
    }

    String norm(Norm norm, String name, String x, int channels) {
        return switch (norm) {
            case NONE -> x;
            case INSTANCE ->
                g.node(
                        "InstanceNormalization",
                        List.of(x, fixed(channels, 1f), fixed(channels, 0f)),
                        real("epsilon", 1e-5f));
            case INSTANCE_AFFINE ->
                g.node(
                        "InstanceNormalization",
                        List.of(x, constant(name + ".weight", channels, 1f), constant(name + ".bias", channels, 0f)),
                        real("epsilon", 1e-5f));
            case BATCH ->
                g.node(
                        "BatchNormalization",
                        List.of(
                                x,
                                constant(name + ".weight", channels, 1f),
                                constant(name + ".bias", channels, 0f),
                                constant(name + ".running_mean", channels, 0f),
                                constant(name + ".running_var", channels, 1f)),
                        real("epsilon", 1e-5f),
                        real("momentum", 0.9f));
        };
    }

    String activation(Activation act, String name, String x) {
        return switch (act.kind()) {
            case RELU -> g.node("Relu", List.of(x));
            case LEAKY_RELU -> g.node("LeakyRelu", List.of(x), real("alpha", act.slope()));
            case PRELU -> g.node("PRelu", List.of(x, constant(name + ".weight", 1, act.slope())));
        };
    }

    /** Dropout is the identity at inference; it is emitted so that a training graph knows where it goes. */
    String dropout(double ratio, String x) {
        return ratio > 0 ? g.node("Dropout", List.of(x, scalar("dropout.ratio", (float) ratio))) : x;
    }

    /** MONAI's ADN block in its default order: normalisation, dropout, activation (MONAI's names N, D, A). */
    String nda(Norm norm, double dropout, Activation act, String name, String x, int channels) {
        String y = norm(norm, name + ".N", x, channels);
        y = dropout(dropout, y);
        return activation(act, name + ".A", y);
    }

    /**
     * Records that MONAI's convolution {@code conv} has a bias our graph leaves out because the normalisation
     * {@code normName} follows: a batch norm takes it into its running mean when weights are loaded, an instance
     * norm cancels it exactly ({@link StateDictLoader}).
     */
    void biasAbsorbed(String conv, Norm norm, String normName) {
        if (norm != Norm.NONE) {
            metadata.put(
                    StateDictLoader.ABSORBED_PREFIX + conv + ".bias",
                    norm == Norm.BATCH ? normName + ".running_mean" : "");
        }
    }

    /** Records state-dict keys MONAI's module has but never uses, which loading accepts and ignores (a regex). */
    void unusedInStateDict(String regex) {
        metadata.put(StateDictLoader.UNUSED_KEY, regex);
    }

    /** The model with the network's description and what loading MONAI's weights must know. */
    ModelProto model(String description) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("medlabel.network", description);
        m.putAll(metadata);
        return g.model(OPSET, m);
    }

    String add(String a, String b) {
        return g.node("Add", List.of(a, b));
    }

    String concat(String... xs) {
        return g.node("Concat", Arrays.asList(xs), integer("axis", 1));
    }

    String maxPool(String x, int k) {
        return g.node("MaxPool", List.of(x), repeated("kernel_shape", k, spatial), repeated("strides", k, spatial));
    }

    /** y = x·Wᵀ + b over the last axis, PyTorch's Linear, with MONAI's ViT initialisation (N(0, 0.02²), b = 0). */
    String linear(String name, String x, int in, int out, boolean bias) {
        String w = g.floats(name + ".weight_t", new long[] {in, out}, truncatedNormal((long) in * out, 0.02));
        String y = g.node("MatMul", List.of(x, w));
        return bias ? add(y, constant(name + ".bias", out, 0f)) : y;
    }

    String layerNorm(String name, String x, int dim) {
        return g.node(
                "LayerNormalization",
                List.of(x, constant(name + ".weight", dim, 1f), constant(name + ".bias", dim, 0f)),
                integer("axis", -1),
                real("epsilon", 1e-5f));
    }

    /** {@code F.layer_norm} over the last axis without learnable scale and shift. */
    String layerNorm(String x, int dim) {
        return g.node(
                "LayerNormalization",
                List.of(x, fixed(dim, 1f), fixed(dim, 0f)),
                integer("axis", -1),
                real("epsilon", 1e-5f));
    }

    /** GELU, exactly: x·(1 + erf(x/√2))/2 (ONNX has no Gelu before opset 20). */
    String gelu(String x) {
        String e = g.node("Erf", List.of(g.node("Mul", List.of(x, scalar("gelu.rsqrt2", (float) Math.sqrt(0.5))))));
        String h = g.node("Mul", List.of(x, g.node("Add", List.of(e, scalar("gelu.one", 1f)))));
        return g.node("Mul", List.of(h, scalar("gelu.half", 0.5f)));
    }

    String reshape(String x, long... shape) {
        return g.node("Reshape", List.of(x, g.int64s("shape", shape)));
    }

    String transpose(String x, long... perm) {
        return g.node("Transpose", List.of(x), Attributes.ints("perm", perm));
    }

    /** A float scalar constant, shared by every node that asks for the same name and value. */
    String scalar(String name, float value) {
        return scalars.computeIfAbsent(name + "=" + value, key -> g.floats(name, new long[] {}, new float[] {value}));
    }

    /** A constant (not a parameter) of {@code n} equal values, shared: the scale and shift of a plain norm. */
    private String fixed(int n, float value) {
        return scalars.computeIfAbsent(
                "fixed" + n + "=" + value, key -> constant("fixed." + n + "x" + value, n, value));
    }

    /** A parameter of {@code n} equal values. */
    String constant(String name, int n, float value) {
        float[] v = new float[n];
        Arrays.fill(v, value);
        return g.floats(name, new long[] {n}, v);
    }

    /** A learnable tensor drawn from N(0, std²) truncated at ±2 std, as MONAI initialises embeddings. */
    String truncatedNormal(String name, long[] dims, double std) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return g.floats(name, dims, truncatedNormal(n, std));
    }

    private long kernelVolume(int[] k) {
        long v = 1;
        for (int n : k) {
            v *= n;
        }
        return v;
    }

    private long[] weightShape(int first, int second, int[] k) {
        long[] shape = new long[2 + spatial];
        shape[0] = first;
        shape[1] = second;
        for (int i = 0; i < spatial; i++) {
            shape[2 + i] = k[i];
        }
        return shape;
    }

    /** {@code n} along each spatial axis. */
    int[] same(int n) {
        int[] v = new int[spatial];
        Arrays.fill(v, n);
        return v;
    }

    private static int[] twice(int[] pad) {
        int[] both = new int[2 * pad.length];
        for (int i = 0; i < pad.length; i++) {
            both[i] = pad[i];
            both[i + pad.length] = pad[i];
        }
        return both;
    }

    private static AttributeProto ints(String name, int[] values) {
        return Attributes.ints(name, Arrays.stream(values).asLongStream().toArray());
    }

    private float[] weights(Init init, long n, long fanIn) {
        return init == Init.PYTORCH ? uniform(n, fanIn) : kaiming(n, fanIn);
    }

    private String biasOf(String name, int cout, long fanIn, Init init) {
        float[] values = init == Init.PYTORCH ? uniform(cout, fanIn) : new float[cout];
        return g.floats(name + ".bias", new long[] {cout}, values);
    }

    /** PyTorch's {@code kaiming_normal_(a=0.01)} (fan-in mode, leaky-ReLU gain). */
    private float[] kaiming(long n, long fanIn) {
        double std = Math.sqrt(2 / (1 + 0.01 * 0.01)) / Math.sqrt(fanIn);
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * std);
        }
        return v;
    }

    private float[] uniform(long n, long fanIn) {
        float bound = (float) (1 / Math.sqrt(fanIn));
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * random.nextFloat() - 1) * bound;
        }
        return v;
    }

    private float[] truncatedNormal(long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = random.nextGaussian();
            } while (Math.abs(z) > 2);
            v[i] = (float) (z * std);
        }
        return v;
    }
}
