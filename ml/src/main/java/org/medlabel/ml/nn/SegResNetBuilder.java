package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.SegResNet} (Myronenko 2018, without the VAE) as an ONNX graph: an initial 3³
 * convolution, levels of pre-activation residual blocks (norm, ReLU, convolution, twice, plus the input) whose count
 * per level is {@code blocks_down}, a stride-2 convolution doubling the filters between levels, and a decoder that
 * halves the filters by a 1³ convolution, upsamples by half-pixel linear interpolation (MONAI's default
 * {@code upsample_mode="nontrainable"}) or a 2³ transposed convolution ({@code "deconv"}), adds the encoder's skip and
 * runs {@code blocks_up} residual blocks; then norm, ReLU and a 1³ convolution with bias. Group norm of 8 groups as
 * MONAI's default, or instance/batch norm. The model zoo's whole-body CT (104 structures) and BraTS (4-channel MRI)
 * networks. Input {@code image} [N, in, D, H, W] (sizes divisible by 2^(levels − 1)), output {@code logits}.
 */
public final class SegResNetBuilder {

    /** How the decoder upsamples: MONAI's {@code UpsampleMode} values this builder supports. */
    public enum Upsample {
        NONTRAINABLE,
        DECONV
    }

    private int spatialDims = 3;
    private int initFilters = 8;
    private int inChannels = 1;
    private int outChannels = 2;
    private double dropout;
    private int groups = 8;
    private Norm norm;
    private int[] blocksDown = {1, 2, 2, 4};
    private int[] blocksUp = {1, 1, 1};
    private Upsample upsample = Upsample.NONTRAINABLE;
    private boolean convFinal = true;
    private long seed;

    public SegResNetBuilder spatialDims(int n) {
        if (n != 2 && n != 3) {
            throw new IllegalArgumentException("SegResNet has 2 or 3 spatial dimensions, not " + n);
        }
        this.spatialDims = n;
        return this;
    }

    public SegResNetBuilder initFilters(int n) {
        this.initFilters = positive("init filters", n);
        return this;
    }

    public SegResNetBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public SegResNetBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    /** MONAI's {@code dropout_prob}: channel dropout after the initial convolution while training. */
    public SegResNetBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    /** Group norm with this many groups (MONAI's default, 8). */
    public SegResNetBuilder groupNorm(int groups) {
        this.groups = positive("groups", groups);
        this.norm = null;
        return this;
    }

    /** Another norm instead of group norm. */
    public SegResNetBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    public SegResNetBuilder blocksDown(int... blocks) {
        this.blocksDown = blocks(blocks, "blocks_down");
        return this;
    }

    public SegResNetBuilder blocksUp(int... blocks) {
        this.blocksUp = blocks(blocks, "blocks_up");
        return this;
    }

    public SegResNetBuilder upsample(Upsample mode) {
        this.upsample = mode;
        return this;
    }

    /** MONAI's {@code use_conv_final}: without it the output is the last level's {@code init_filters} features. */
    public SegResNetBuilder convFinal(boolean use) {
        this.convFinal = use;
        return this;
    }

    public SegResNetBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        if (blocksUp.length != blocksDown.length - 1) {
            // MONAI's decoder takes its channel counts from blocks_up and its input from the deepest encoder level
            throw new IllegalArgumentException("SegResNet needs one blocks_up level fewer than blocks_down, got "
                    + blocksUp.length + " and " + blocksDown.length);
        }
        GraphBuilder g = new GraphBuilder("segresnet");
        Layers l = new Layers(g, seed, spatialDims);
        long[] inputShape = new long[2 + spatialDims];
        Arrays.fill(inputShape, -1);
        inputShape[1] = inChannels;
        String x = l.conv("convInit.conv", g.input("image", inputShape), inChannels, initFilters, 3, 1, false);
        x = l.dropout(dropout, x);
        List<String> skips = new ArrayList<>();
        for (int i = 0; i < blocksDown.length; i++) {
            int filters = initFilters << i;
            String name = "down_layers." + i;
            if (i > 0) {
                x = l.conv(name + ".0.conv", x, filters / 2, filters, 3, 2, false);
            }
            for (int b = 0; b < blocksDown[i]; b++) {
                x = resBlock(l, name + "." + (b + 1), x, filters);
            }
            skips.add(x);
        }
        int levels = blocksUp.length;
        for (int i = 0; i < levels; i++) {
            int filters = initFilters << (levels - i);
            String y = l.conv("up_samples." + i + ".0.conv", x, filters, filters / 2, 1, 1, false);
            y = upsample == Upsample.DECONV
                    ? l.convTranspose("up_samples." + i + ".1.deconv", y, filters / 2, filters / 2, 2, 2, 0, 0, true)
                    : l.upsampleLinear2(y);
            x = l.add(y, skips.get(levels - 1 - i));
            for (int b = 0; b < blocksUp[i]; b++) {
                x = resBlock(l, "up_layers." + i + "." + b, x, filters / 2);
            }
        }
        int out = initFilters;
        if (convFinal) {
            x = l.activation(Activation.relu(), "conv_final.1", norm(l, "conv_final.0", x, initFilters));
            x = l.conv("conv_final.2.conv", x, initFilters, outChannels, 1, 1, true);
            out = outChannels;
        }
        long[] outputShape = inputShape.clone();
        outputShape[1] = out;
        g.output(x, outputShape);
        return l.model(toString());
    }

    /** MONAI's {@code ResBlock}: x + conv2(relu(norm2(conv1(relu(norm1(x)))))), channels unchanged. */
    private String resBlock(Layers l, String name, String x, int channels) {
        String y = l.activation(Activation.relu(), name + ".act", norm(l, name + ".norm1", x, channels));
        y = l.conv(name + ".conv1.conv", y, channels, channels, 3, 1, false);
        y = l.activation(Activation.relu(), name + ".act", norm(l, name + ".norm2", y, channels));
        y = l.conv(name + ".conv2.conv", y, channels, channels, 3, 1, false);
        return l.add(y, x);
    }

    private String norm(Layers l, String name, String x, int channels) {
        return norm == null ? l.groupNorm(name, x, channels, groups) : l.norm(norm, name, x, channels);
    }

    private static int[] blocks(int[] blocks, String what) {
        if (blocks.length == 0) {
            throw new IllegalArgumentException(what + " must name at least one level");
        }
        Arrays.stream(blocks).forEach(n -> positive(what, n));
        return blocks.clone();
    }

    @Override
    public String toString() {
        return "SegResNet(spatialDims=" + spatialDims + ", in=" + inChannels + ", out=" + outChannels + ", initFilters="
                + initFilters + ", blocksDown=" + Arrays.toString(blocksDown) + ", blocksUp="
                + Arrays.toString(blocksUp) + ", norm=" + (norm == null ? "group(" + groups + ")" : norm)
                + ", upsample=" + upsample + ", convFinal=" + convFinal + ", dropout=" + dropout + ", seed=" + seed
                + ")";
    }
}
