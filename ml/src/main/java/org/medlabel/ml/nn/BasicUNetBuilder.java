package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;

import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.BasicUNet}, the DeepGrow and DeepEdit network, as an ONNX graph: two
 * convolutions per level, max-pooling down, 2³ transposed convolutions up, concatenated skips. Six feature counts as
 * MONAI's (default (32, 32, 64, 128, 256, 32)), LeakyReLU 0.1 and affine instance norm. Input channels are the image
 * plus the guidance channels (DeepGrow: 1 + 2; DeepEdit: 1 + one per label). Input {@code image} [N, in, D, H, W]
 * (spatial sizes divisible by 16), output {@code logits} [N, out, D, H, W]; with {@link #spatialDims(int) 2 spatial
 * dimensions} (DeepGrow 2D) the same network over images, [N, in, H, W] to [N, out, H, W].
 */
public final class BasicUNetBuilder {

    private int spatialDims = 3;
    private int inChannels = 3;
    private int outChannels = 1;
    private int[] features = {32, 32, 64, 128, 256, 32};
    private Norm norm = Norm.INSTANCE_AFFINE;
    private Activation activation = Activation.leakyRelu(0.1f);
    private double dropout;
    private long seed;

    /** 3 (volumes, the default) or 2 (images: MONAI's {@code spatial_dims=2}). */
    public BasicUNetBuilder spatialDims(int n) {
        if (n != 2 && n != 3) {
            throw new IllegalArgumentException("BasicUNet has 2 or 3 spatial dimensions, not " + n);
        }
        this.spatialDims = n;
        return this;
    }

    public BasicUNetBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public BasicUNetBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    public BasicUNetBuilder features(int... f) {
        if (f.length != 6) {
            throw new IllegalArgumentException("BasicUNet takes 6 feature counts, got " + f.length);
        }
        Arrays.stream(f).forEach(n -> positive("features", n));
        this.features = f.clone();
        return this;
    }

    public BasicUNetBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    public BasicUNetBuilder activation(Activation a) {
        this.activation = a;
        return this;
    }

    public BasicUNetBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    public BasicUNetBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        GraphBuilder g = new GraphBuilder("basic_unet");
        Layers l = new Layers(g, seed, spatialDims);
        int[] f = features;
        String image = g.input("image", shape(inChannels));
        String x0 = twoConv(l, "conv_0", image, inChannels, f[0]);
        String x1 = twoConv(l, "down_1.convs", l.maxPool(x0, 2), f[0], f[1]);
        String x2 = twoConv(l, "down_2.convs", l.maxPool(x1, 2), f[1], f[2]);
        String x3 = twoConv(l, "down_3.convs", l.maxPool(x2, 2), f[2], f[3]);
        String x4 = twoConv(l, "down_4.convs", l.maxPool(x3, 2), f[3], f[4]);
        String u4 = upCat(l, "upcat_4", x4, x3, f[4], f[3], f[3], true);
        String u3 = upCat(l, "upcat_3", u4, x2, f[3], f[2], f[2], true);
        String u2 = upCat(l, "upcat_2", u3, x1, f[2], f[1], f[1], true);
        String u1 = upCat(l, "upcat_1", u2, x0, f[1], f[0], f[5], false);
        String logits = l.conv("final_conv", u1, f[5], outChannels, 1, 1, true);
        g.output(logits, shape(outChannels));
        return l.model(toString());
    }

    /** [N, channels, spatial sizes...], every size but the channels' left free. */
    private long[] shape(int channels) {
        long[] dims = new long[2 + spatialDims];
        Arrays.fill(dims, -1);
        dims[1] = channels;
        return dims;
    }

    private String twoConv(Layers l, String name, String x, int in, int out) {
        boolean bias = norm == Norm.NONE;
        String y = x;
        int channels = in;
        for (String conv : List.of(".conv_0", ".conv_1")) {
            y = l.conv(name + conv + ".conv", y, channels, out, 3, 1, bias);
            l.biasAbsorbed(name + conv + ".conv", norm, name + conv + ".adn.N");
            y = l.nda(norm, dropout, activation, name + conv + ".adn", y, out);
            channels = out;
        }
        return y;
    }

    /** Upsamples {@code x} (to half its channels unless {@code !halves}), concatenates the skip, two convolutions. */
    private String upCat(Layers l, String name, String x, String skip, int in, int cat, int out, boolean halves) {
        int up = halves ? in / 2 : in;
        String x0 = l.convTranspose(name + ".upsample.deconv", x, in, up, 2, 2, 0, 0, true);
        return twoConv(l, name + ".convs", l.concat(skip, x0), cat + up, out);
    }

    @Override
    public String toString() {
        return "BasicUNet(" + (spatialDims == 2 ? "2-D, " : "") + "in=" + inChannels + ", out=" + outChannels
                + ", features=" + Arrays.toString(features) + ", norm=" + norm + ", activation=" + activation
                + ", dropout=" + dropout + ", seed=" + seed + ")";
    }
}
