package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;

import java.util.Arrays;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.UNet} (3-D, or 2-D with {@link #spatialDims}) as an ONNX graph: an encoder of strided (residual) convolution
 * blocks, a decoder of transposed convolutions, and concatenated skip connections at every level. Defaults are the
 * MONAI spleen configuration: channels (16, 32, 64, 128, 256), strides (2, 2, 2, 2), 2 residual units, instance
 * norm, PReLU. Unlike MONAI, convolutions that feed a normalisation have no bias (its gradient is exactly zero).
 * Input {@code image} [N, in, D, H, W] or [N, in, H, W] (each spatial size divisible by the product of the strides),
 * output {@code logits} [N, out, D, H, W] or [N, out, H, W].
 */
public final class UNetBuilder {

    private int spatialDims = 3;
    private int inChannels = 1;
    private int outChannels = 2;
    private int[] channels = {16, 32, 64, 128, 256};
    private int[] strides = {2, 2, 2, 2};
    private int residualUnits = 2;
    private Norm norm = Norm.INSTANCE;
    private Activation activation = Activation.prelu();
    private double dropout;
    private long seed;

    /** 3 (volumes, the default) or 2 (images: MONAI's {@code spatial_dims=2}). */
    public UNetBuilder spatialDims(int n) {
        if (n != 2 && n != 3) {
            throw new IllegalArgumentException("spatial dims must be 2 or 3, was " + n);
        }
        this.spatialDims = n;
        return this;
    }

    public UNetBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public UNetBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    public UNetBuilder channels(int... c) {
        Arrays.stream(c).forEach(n -> positive("channels", n));
        this.channels = c.clone();
        return this;
    }

    public UNetBuilder strides(int... s) {
        Arrays.stream(s).forEach(n -> positive("strides", n));
        this.strides = s.clone();
        return this;
    }

    /** Residual units per block (MONAI's {@code num_res_units}); 0 gives plain convolution blocks. */
    public UNetBuilder residualUnits(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("residual units must be >= 0, was " + n);
        }
        this.residualUnits = n;
        return this;
    }

    public UNetBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    public UNetBuilder activation(Activation a) {
        this.activation = a;
        return this;
    }

    public UNetBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    /** The seed of the weight initialisation: the same seed gives the same weights. */
    public UNetBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        if (channels.length < 2 || strides.length != channels.length - 1) {
            throw new IllegalArgumentException("a UNet needs at least 2 channel counts and one stride fewer, got "
                    + channels.length + " channels and " + strides.length + " strides");
        }
        GraphBuilder g = new GraphBuilder("unet");
        Layers l = new Layers(g, seed, spatialDims);
        long[] shape = new long[2 + spatialDims];
        Arrays.fill(shape, -1);
        shape[1] = inChannels;
        String image = g.input("image", shape);
        String logits = block(l, "model.", image, inChannels, outChannels, 0, true);
        shape[1] = outChannels;
        g.output(logits, shape);
        return l.model(toString());
    }

    /**
     * One level: down block, the levels below (or the bottom block), skip concatenation, up block. Parameters carry
     * MONAI's names: a level is {@code <prefix>0} (down), {@code <prefix>1.submodule} (what is below) and
     * {@code <prefix>2} (up: the transposed convolution {@code 2.0}, its residual unit {@code 2.1}).
     */
    private String block(Layers l, String prefix, String x, int in, int out, int level, boolean top) {
        int c = channels[level];
        int s = strides[level];
        String down = unit(l, prefix + "0", x, in, c, s, residualUnits, false);
        String below;
        int upIn;
        if (level + 2 < channels.length) {
            below = block(l, prefix + "1.submodule.", down, c, c, level + 1, false);
            upIn = 2 * c;
        } else {
            below = unit(l, prefix + "1.submodule", down, c, channels[level + 1], 1, residualUnits, false);
            upIn = c + channels[level + 1];
        }
        String skip = l.concat(down, below);
        String name = residualUnits > 0 ? prefix + "2.0" : prefix + "2";
        boolean upConvOnly = top && residualUnits == 0;
        String up = l.convTranspose(name + ".conv", skip, upIn, out, 3, s, 1, s - 1, biased(upConvOnly));
        if (!upConvOnly) {
            absorb(l, name);
            up = l.nda(norm, dropout, activation, name + ".adn", up, out);
        }
        return residualUnits > 0 ? unit(l, prefix + "2.1", up, out, out, 1, 1, top) : up;
    }

    /**
     * MONAI's {@code ResidualUnit} ({@code subunits} convolutions {@code conv.unit<i>}, the first strided, plus a
     * {@code residual} path that is a strided 3³ or a 1³ convolution when the shape changes); with {@code subunits} 0
     * a single plain {@code Convolution}.
     */
    private String unit(
            Layers l, String name, String x, int in, int out, int stride, int subunits, boolean lastConvOnly) {
        int n = Math.max(1, subunits);
        String y = x;
        int channelsIn = in;
        int s = stride;
        for (int i = 0; i < n; i++) {
            boolean convOnly = lastConvOnly && i == n - 1;
            String sub = subunits == 0 ? name : name + ".conv.unit" + i;
            y = l.conv(sub + ".conv", y, channelsIn, out, 3, s, biased(convOnly));
            if (!convOnly) {
                absorb(l, sub);
                y = l.nda(norm, dropout, activation, sub + ".adn", y, out);
            }
            channelsIn = out;
            s = 1;
        }
        if (subunits == 0) {
            return y;
        }
        if (stride == 1 && in == out) {
            return l.add(y, x);
        }
        return l.add(y, l.conv(name + ".residual", x, in, out, stride == 1 ? 1 : 3, stride, true));
    }

    /** MONAI's convolution {@code <block>.conv} has a bias; ours leaves it to the norm {@code <block>.adn.N}. */
    private void absorb(Layers l, String block) {
        l.biasAbsorbed(block + ".conv", norm, block + ".adn.N");
    }

    /** A convolution keeps its bias only where no normalisation follows. */
    private boolean biased(boolean convOnly) {
        return convOnly || norm == Norm.NONE;
    }

    @Override
    public String toString() {
        return "UNet(in=" + inChannels + ", out=" + outChannels + ", channels=" + Arrays.toString(channels)
                + ", strides=" + Arrays.toString(strides) + ", residualUnits=" + residualUnits + ", norm=" + norm
                + ", activation=" + activation + ", dropout=" + dropout + (spatialDims == 2 ? ", spatialDims=2" : "")
                + ", seed=" + seed + ")";
    }
}
