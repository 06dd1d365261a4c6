package org.medlabel.ml.nn;

/**
 * The convolutional blocks MONAI's UNETR and SwinUNETR share ({@code monai.networks.blocks.unetr_block}), with their
 * state-dict names: a residual block, a transposed-convolution upsampling, the decoder's up block and the transformers' MLP.
 */
final class UnetrBlocks {

    private static final float SLOPE = 0.01f;

    private UnetrBlocks() {}

    /** MONAI's {@code UnetResBlock}: two 3³ convolutions with norm and LeakyReLU 0.01, a 1³ projection if needed. */
    static String resBlock(Layers l, Norm norm, String name, String x, int in, int out) {
        String y = l.conv(name + ".conv1.conv", x, in, out, 3, 1, false);
        y = l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.norm(norm, name + ".norm1", y, out));
        y = l.norm(norm, name + ".norm2", l.conv(name + ".conv2.conv", y, out, out, 3, 1, false), out);
        String residual = in == out
                ? x
                : l.norm(norm, name + ".norm3", l.conv(name + ".conv3.conv", x, in, out, 1, 1, false), out);
        return l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.add(y, residual));
    }

    /** MONAI's {@code UnetrUpBlock}: upsample, concatenate the skip, residual block. */
    static String up(Layers l, Norm norm, String name, String x, String skip, int in, int out) {
        String y = l.concat(up2(l, name + ".transp_conv", x, in, out), skip);
        return resBlock(l, norm, name + ".conv_block", y, 2 * out, out);
    }

    /** A 2³ transposed convolution of stride 2 without bias. */
    static String up2(Layers l, String name, String x, int in, int out) {
        return l.convTranspose(name + ".conv", x, in, out, 2, 2, 0, 0, false);
    }

    /** MONAI's {@code MLPBlock}: linear, exact GELU, dropout, linear, dropout. */
    static String mlp(Layers l, String name, String x, int dim, int hidden, double dropout) {
        String y = l.dropout(dropout, l.gelu(l.linear(name + ".linear1", x, dim, hidden, true)));
        return l.dropout(dropout, l.linear(name + ".linear2", y, hidden, dim, true));
    }
}
