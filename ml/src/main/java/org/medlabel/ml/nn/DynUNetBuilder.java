package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;

import java.util.Arrays;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.DynUNet} (the nnU-Net layout) as an ONNX graph: per level a kernel size and a
 * stride along each axis (anisotropic where the zoo's configs say {@code [2, 2, 1]}); an input block, downsampling
 * blocks and a bottleneck, each two convolutions with norm and LeakyReLU 0.01 ({@code UnetBasicBlock}) or the same with
 * a residual ({@code UnetResBlock}, {@code res_block=True}); an up block per level (transposed convolution of the
 * upsample kernel, the skip concatenated, a basic block); a 1³ output convolution with bias. Filters default to
 * MONAI's min(2^(5+i), 320). Deep supervision heads only train in MONAI, so at inference they are not part of the graph
 * (their weights are accepted and ignored). Input {@code image} [N, in, D, H, W], output {@code logits}.
 */
public final class DynUNetBuilder {

    private static final float SLOPE = 0.01f;

    private int spatialDims = 3;
    private int inChannels = 1;
    private int outChannels = 2;
    private int[][] kernels;
    private int[][] strides;
    private int[][] upsampleKernels;
    private int[] filters;
    private Norm norm = Norm.INSTANCE_AFFINE;
    private boolean resBlock;
    private boolean transBias;
    private double dropout;
    private long seed;

    public DynUNetBuilder spatialDims(int n) {
        if (n != 2 && n != 3) {
            throw new IllegalArgumentException("DynUNet has 2 or 3 spatial dimensions, not " + n);
        }
        this.spatialDims = n;
        return this;
    }

    public DynUNetBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public DynUNetBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    /** One kernel per level, each a size per spatial axis (an isotropic level repeats its size). */
    public DynUNetBuilder kernelSize(int[]... k) {
        this.kernels = copy(k);
        return this;
    }

    /** One stride per level (the first is the input block's, usually 1), each per spatial axis. */
    public DynUNetBuilder strides(int[]... s) {
        this.strides = copy(s);
        return this;
    }

    /** One upsample kernel (also its stride) per level below the first. */
    public DynUNetBuilder upsampleKernelSize(int[]... k) {
        this.upsampleKernels = copy(k);
        return this;
    }

    public DynUNetBuilder filters(int... f) {
        Arrays.stream(f).forEach(n -> positive("filters", n));
        this.filters = f.clone();
        return this;
    }

    public DynUNetBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    public DynUNetBuilder resBlock(boolean b) {
        this.resBlock = b;
        return this;
    }

    public DynUNetBuilder transBias(boolean b) {
        this.transBias = b;
        return this;
    }

    public DynUNetBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    public DynUNetBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        int levels = check();
        int[] f = filters != null ? Arrays.copyOf(filters, levels) : defaultFilters(levels);
        GraphBuilder g = new GraphBuilder("dynunet");
        Layers l = new Layers(g, seed, spatialDims);
        long[] inputShape = new long[2 + spatialDims];
        Arrays.fill(inputShape, -1);
        inputShape[1] = inChannels;
        String[] skips = new String[levels];
        String x = block(l, "input_block", g.input("image", inputShape), inChannels, f[0], kernels[0], strides[0]);
        skips[0] = x;
        for (int i = 1; i < levels - 1; i++) {
            x = block(l, "downsamples." + (i - 1), x, f[i - 1], f[i], kernels[i], strides[i]);
            skips[i] = x;
        }
        x = block(l, "bottleneck", x, f[levels - 2], f[levels - 1], kernels[levels - 1], strides[levels - 1]);
        // upsamples.j joins level (levels - 2 - j): the deepest first
        for (int j = 0; j < levels - 1; j++) {
            int level = levels - 2 - j;
            String name = "upsamples." + j;
            int[] up = upsampleKernels[level];
            // MONAI's transposed convolution strides by its kernel: padding and output padding are 0
            String y = l.convTranspose(
                    name + ".transp_conv.conv",
                    x,
                    f[level + 1],
                    f[level],
                    up,
                    up,
                    l.same(0),
                    l.same(0),
                    transBias,
                    Layers.Init.KAIMING_LEAKY);
            y = l.concat(l.dropout(dropout, y), skips[level]);
            x = basicBlock(l, name + ".conv_block", y, 2 * f[level], f[level], kernels[level + 1], l.same(1));
        }
        String logits = l.dropout(
                dropout,
                l.conv(
                        "output_block.conv.conv",
                        x,
                        f[0],
                        outChannels,
                        l.same(1),
                        l.same(1),
                        l.same(0),
                        true,
                        Layers.Init.KAIMING_LEAKY));
        long[] outputShape = inputShape.clone();
        outputShape[1] = outChannels;
        g.output(logits, outputShape);
        // the skip layers hold the same modules again; the supervision heads only train
        l.unusedInStateDict("(skip_layers|deep_supervision_heads)\\..*");
        return l.model(toString());
    }

    private String block(Layers l, String name, String x, int in, int out, int[] k, int[] stride) {
        return resBlock ? resBlock(l, name, x, in, out, k, stride) : basicBlock(l, name, x, in, out, k, stride);
    }

    /** MONAI's {@code UnetBasicBlock}: (convolution, norm, LeakyReLU) twice, the first with the level's stride. */
    private String basicBlock(Layers l, String name, String x, int in, int out, int[] k, int[] stride) {
        String y = conv(l, name + ".conv1", x, in, out, k, stride);
        y = l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.norm(norm, name + ".norm1", y, out));
        y = conv(l, name + ".conv2", y, out, out, k, l.same(1));
        return l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.norm(norm, name + ".norm2", y, out));
    }

    /** MONAI's {@code UnetResBlock}: the basic block's path plus the input (a strided 1³ projection if it changes). */
    private String resBlock(Layers l, String name, String x, int in, int out, int[] k, int[] stride) {
        String y = conv(l, name + ".conv1", x, in, out, k, stride);
        y = l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.norm(norm, name + ".norm1", y, out));
        y = l.norm(norm, name + ".norm2", conv(l, name + ".conv2", y, out, out, k, l.same(1)), out);
        boolean project = in != out || Arrays.stream(stride).anyMatch(s -> s != 1);
        String residual = project
                ? l.norm(norm, name + ".norm3", conv(l, name + ".conv3", x, in, out, l.same(1), stride), out)
                : x;
        return l.activation(Activation.leakyRelu(SLOPE), name + ".lrelu", l.add(y, residual));
    }

    /** MONAI's {@code get_conv_layer} without bias: padding (k − s + 1) / 2, then dropout. */
    private String conv(Layers l, String name, String x, int in, int out, int[] k, int[] stride) {
        String y = l.conv(name + ".conv", x, in, out, k, stride, padding(k, stride), false, Layers.Init.KAIMING_LEAKY);
        return l.dropout(dropout, y);
    }

    private int[] padding(int[] k, int[] stride) {
        int[] pad = new int[spatialDims];
        for (int a = 0; a < spatialDims; a++) {
            pad[a] = (k[a] - stride[a] + 1) / 2;
            if (pad[a] < 0) {
                throw new IllegalArgumentException("a kernel of " + k[a] + " with a stride of " + stride[a]
                        + " gives a negative padding; change the kernel size or the stride");
            }
        }
        return pad;
    }

    private int check() {
        if (kernels == null || strides == null || upsampleKernels == null) {
            throw new IllegalArgumentException("DynUNet needs kernel_size, strides and upsample_kernel_size");
        }
        int levels = strides.length;
        if (kernels.length != levels || levels < 3) {
            throw new IllegalArgumentException(
                    "length of kernel_size and strides should be the same, and no less than 3 (got " + kernels.length
                            + " and " + levels + ")");
        }
        if (upsampleKernels.length != levels - 1) {
            throw new IllegalArgumentException("upsample_kernel_size needs one entry per level below the first ("
                    + (levels - 1) + "), got " + upsampleKernels.length);
        }
        if (filters != null && filters.length < levels) {
            throw new IllegalArgumentException("length of filters should be no less than the length of strides");
        }
        for (int[][] perLevel : new int[][][] {kernels, strides, upsampleKernels}) {
            for (int i = 0; i < perLevel.length; i++) {
                if (perLevel[i].length == 1) {
                    int v = perLevel[i][0];
                    perLevel[i] = new int[spatialDims];
                    Arrays.fill(perLevel[i], v);
                }
                if (perLevel[i].length != spatialDims) {
                    throw new IllegalArgumentException("level " + i + " gives " + perLevel[i].length + " sizes for "
                            + spatialDims + " spatial dimensions");
                }
                Arrays.stream(perLevel[i]).forEach(v -> positive("kernel sizes and strides", v));
            }
        }
        for (int i = 1; i < levels; i++) {
            if (!Arrays.equals(strides[i], upsampleKernels[i - 1])) {
                // the transposed convolution (stride = its kernel) must undo the level's stride for the skip to fit
                throw new IllegalArgumentException("upsample_kernel_size[" + (i - 1) + "] "
                        + Arrays.toString(upsampleKernels[i - 1]) + " must equal strides[" + i + "] "
                        + Arrays.toString(strides[i]));
            }
        }
        return levels;
    }

    private int[] defaultFilters(int levels) {
        int[] f = new int[levels];
        for (int i = 0; i < levels; i++) {
            f[i] = Math.min(1 << (5 + i), spatialDims == 3 ? 320 : 512);
        }
        return f;
    }

    private static int[][] copy(int[][] values) {
        return Arrays.stream(values).map(int[]::clone).toArray(int[][]::new);
    }

    @Override
    public String toString() {
        return "DynUNet(spatialDims=" + spatialDims + ", in=" + inChannels + ", out=" + outChannels + ", kernelSize="
                + Arrays.deepToString(kernels) + ", strides=" + Arrays.deepToString(strides)
                + ", upsampleKernelSize=" + Arrays.deepToString(upsampleKernels) + ", filters="
                + (filters == null ? "default" : Arrays.toString(filters)) + ", norm=" + norm + ", resBlock="
                + resBlock + ", transBias=" + transBias + ", dropout=" + dropout + ", seed=" + seed + ")";
    }
}
