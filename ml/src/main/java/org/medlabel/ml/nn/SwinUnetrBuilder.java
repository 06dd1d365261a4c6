package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;
import static org.medlabel.ml.onnx.Attributes.integer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.SwinUNETR} (Hatamizadeh et al. 2022) as an ONNX graph, 3-D: a patch embedding,
 * four Swin transformer stages (window attention with a relative position bias, every second block on windows shifted
 * by half a window with MONAI's region mask, then patch merging), each stage's output layer-normalised and decoded by
 * residual blocks and transposed convolutions with skips, the first from the image itself. The v1 and v2 layouts
 * ({@code use_v2}: a residual convolution block before each stage) and both patch mergings ({@code merging},
 * {@code mergingv2}). Windows and masks depend on the input's size, so the graph is built for one image size (the
 * sliding window's roi), each divisible by {@code patch_size⁵} as MONAI requires. Input {@code image}
 * [N, in, D, H, W], output {@code logits}.
 */
public final class SwinUnetrBuilder {

    private static final int STAGES = 4;
    /** MONAI's attention mask: -100 between tokens of different regions of a shifted window. */
    private static final float MASKED = -100f;
    /** PatchMerging (v1) concatenates the 8 voxels of each 2³ block in this order of (d, h, w) offsets d·4 + h·2 + w. */
    private static final int[] MERGING_V1_ORDER = {0, 4, 2, 1, 6, 5, 3, 7};

    private int inChannels = 1;
    private int outChannels = 2;
    private int[] imageSize = {96, 96, 96};
    private int patchSize = 2;
    private int[] depths = {2, 2, 2, 2};
    private int[] heads = {3, 6, 12, 24};
    private int[] windowSize = {7, 7, 7};
    private boolean qkvBias = true;
    private double mlpRatio = 4.0;
    private int featureSize = 24;
    private Norm norm = Norm.INSTANCE;
    private double dropout;
    private double attentionDropout;
    private boolean normalize = true;
    private boolean mergingV2;
    private boolean v2;
    private long seed;

    public SwinUnetrBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public SwinUnetrBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    /** The size of the windows the network will be run on (it fixes the attention windows and masks). */
    public SwinUnetrBuilder imageSize(int... size) {
        this.imageSize = axes("image size", size);
        return this;
    }

    public SwinUnetrBuilder patchSize(int n) {
        this.patchSize = positive("patch size", n);
        return this;
    }

    public SwinUnetrBuilder depths(int... d) {
        this.depths = perStage("depths", d);
        return this;
    }

    public SwinUnetrBuilder heads(int... h) {
        this.heads = perStage("num_heads", h);
        return this;
    }

    public SwinUnetrBuilder windowSize(int... size) {
        this.windowSize = axes("window size", size);
        return this;
    }

    public SwinUnetrBuilder qkvBias(boolean b) {
        this.qkvBias = b;
        return this;
    }

    public SwinUnetrBuilder mlpRatio(double r) {
        if (!(r > 0)) {
            throw new IllegalArgumentException("MLP ratio must be > 0, was " + r);
        }
        this.mlpRatio = r;
        return this;
    }

    public SwinUnetrBuilder featureSize(int n) {
        if (n < 12 || n % 12 != 0) {
            throw new IllegalArgumentException("feature size must be a multiple of 12 (as MONAI requires), was " + n);
        }
        this.featureSize = n;
        return this;
    }

    public SwinUnetrBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    /** MONAI's {@code drop_rate}: after the patch embedding, the attention's projection and the MLP's layers. */
    public SwinUnetrBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    /** MONAI's {@code attn_drop_rate}: on the attention weights. */
    public SwinUnetrBuilder attentionDropout(double p) {
        this.attentionDropout = Settings.dropout(p);
        return this;
    }

    /** Whether each stage's output is layer-normalised before the decoder reads it (MONAI's {@code normalize}). */
    public SwinUnetrBuilder normalize(boolean b) {
        this.normalize = b;
        return this;
    }

    /** {@code downsample="mergingv2"} rather than MONAI's default {@code "merging"}. */
    public SwinUnetrBuilder mergingV2(boolean b) {
        this.mergingV2 = b;
        return this;
    }

    /** MONAI's {@code use_v2}: a residual convolution block before each Swin stage. */
    public SwinUnetrBuilder v2(boolean b) {
        this.v2 = b;
        return this;
    }

    public SwinUnetrBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        check();
        GraphBuilder g = new GraphBuilder("swin_unetr");
        Layers l = new Layers(g, seed);
        String image = g.input("image", -1, inChannels, imageSize[0], imageSize[1], imageSize[2]);
        int fs = featureSize;
        int[] patch = l.same(patchSize);
        String x = l.conv(
                "swinViT.patch_embed.proj", image, inChannels, fs, patch, patch, l.same(0), true, Layers.Init.PYTORCH);
        x = l.dropout(dropout, x);
        int[] size = new int[3];
        Arrays.setAll(size, a -> imageSize[a] / patchSize);
        List<String> hidden = new ArrayList<>();
        hidden.add(projOut(l, x, fs));
        for (int i = 0; i < STAGES; i++) {
            int dim = fs << i;
            if (v2) {
                x = UnetrBlocks.resBlock(l, Norm.INSTANCE, "swinViT.layers" + (i + 1) + "c.0.layer", x, dim, dim);
            }
            x = stage(l, i, x, dim, size);
            Arrays.setAll(size, a -> (size[a] + 1) / 2);
            hidden.add(projOut(l, x, 2 * dim));
        }
        String enc0 = UnetrBlocks.resBlock(l, norm, "encoder1.layer", image, inChannels, fs);
        String enc1 = UnetrBlocks.resBlock(l, norm, "encoder2.layer", hidden.get(0), fs, fs);
        String enc2 = UnetrBlocks.resBlock(l, norm, "encoder3.layer", hidden.get(1), 2 * fs, 2 * fs);
        String enc3 = UnetrBlocks.resBlock(l, norm, "encoder4.layer", hidden.get(2), 4 * fs, 4 * fs);
        String dec4 = UnetrBlocks.resBlock(l, norm, "encoder10.layer", hidden.get(4), 16 * fs, 16 * fs);
        String dec3 = UnetrBlocks.up(l, norm, "decoder5", dec4, hidden.get(3), 16 * fs, 8 * fs);
        String dec2 = UnetrBlocks.up(l, norm, "decoder4", dec3, enc3, 8 * fs, 4 * fs);
        String dec1 = UnetrBlocks.up(l, norm, "decoder3", dec2, enc2, 4 * fs, 2 * fs);
        String dec0 = UnetrBlocks.up(l, norm, "decoder2", dec1, enc1, 2 * fs, fs);
        String out = UnetrBlocks.up(l, norm, "decoder1", dec0, enc0, fs, fs);
        String logits = l.conv("out.conv.conv", out, fs, outChannels, 1, 1, true);
        g.output(logits, -1, outChannels, imageSize[0], imageSize[1], imageSize[2]);
        // a buffer MONAI saves with the weights: the relative positions, which the graph holds as constants
        l.unusedInStateDict("swinViT\\.layers\\d\\.0\\.blocks\\.\\d+\\.attn\\.relative_position_index");
        return l.model(toString());
    }

    /** One stage (MONAI's {@code BasicLayer}) on [N, C, d, h, w]: its blocks, then patch merging to 2C channels. */
    private String stage(Layers l, int i, String x, int dim, int[] size) {
        String name = "swinViT.layers" + (i + 1) + ".0";
        // a window no larger than the volume, and no shift along an axis the window covers whole
        int[] window = new int[3];
        int[] shift = new int[3];
        int[] padded = new int[3];
        for (int a = 0; a < 3; a++) {
            window[a] = Math.min(windowSize[a], size[a]);
            shift[a] = size[a] <= windowSize[a] ? 0 : windowSize[a] / 2;
            padded[a] = (size[a] + window[a] - 1) / window[a] * window[a];
        }
        Window w = new Window(size, window, padded, heads[i], dim);
        String mask = Arrays.stream(shift).anyMatch(s -> s > 0) ? mask(l, name, w, shift) : null;
        String y = l.transpose(x, 0, 2, 3, 4, 1);
        for (int b = 0; b < depths[i]; b++) {
            boolean shifted = b % 2 == 1 && mask != null;
            y = block(l, name + ".blocks." + b, y, w, shifted ? shift : new int[3], shifted ? mask : null);
        }
        return l.transpose(merge(l, name + ".downsample", y, dim, size), 0, 4, 1, 2, 3);
    }

    /** The sizes one stage's windows are computed with: volume, window, volume padded to whole windows. */
    private record Window(int[] size, int[] window, int[] padded, int heads, int dim) {

        int tokens() {
            return window[0] * window[1] * window[2];
        }

        int count() {
            return padded[0] / window[0] * (padded[1] / window[1]) * (padded[2] / window[2]);
        }

        boolean isPadded() {
            return !Arrays.equals(size, padded);
        }
    }

    /** MONAI's {@code SwinTransformerBlock} on channels-last [N, d, h, w, C]. */
    private String block(Layers l, String name, String x, Window w, int[] shift, String mask) {
        String y = l.layerNorm(name + ".norm1", x, w.dim());
        if (w.isPadded()) {
            long[] pads = new long[10];
            for (int a = 0; a < 3; a++) {
                pads[6 + a] = w.padded()[a] - w.size()[a];
            }
            y = l.graph().node("Pad", List.of(y, l.graph().int64s("pads", pads)));
        }
        y = roll(l, y, shift, w.padded(), -1);
        String windows = partition(l, y, w);
        y = reverse(l, attention(l, name + ".attn", windows, w, mask), w);
        y = roll(l, y, shift, w.padded(), 1);
        if (w.isPadded()) {
            y = l.graph()
                    .node(
                            "Slice",
                            List.of(
                                    y,
                                    l.graph().int64s("starts", 0, 0, 0),
                                    l.graph().int64s("ends", w.size()[0], w.size()[1], w.size()[2]),
                                    l.graph().int64s("axes", 1, 2, 3)));
        }
        x = l.add(x, y);
        int hidden = (int) (w.dim() * mlpRatio);
        return l.add(
                x,
                UnetrBlocks.mlp(l, name + ".mlp", l.layerNorm(name + ".norm2", x, w.dim()), w.dim(), hidden, dropout));
    }

    /** {@code torch.roll} along the spatial axes of [N, d, h, w, C] by {@code sign} × shift. */
    private static String roll(Layers l, String x, int[] shift, int[] sizes, int sign) {
        for (int a = 0; a < 3; a++) {
            if (shift[a] == 0) {
                continue;
            }
            int n = sizes[a];
            int k = Math.floorMod(-sign * shift[a], n); // out = x[k:] followed by x[:k]
            long axis = a + 1;
            GraphBuilder g = l.graph();
            String tail =
                    g.node("Slice", List.of(x, g.int64s("starts", k), g.int64s("ends", n), g.int64s("axes", axis)));
            String head =
                    g.node("Slice", List.of(x, g.int64s("starts", 0), g.int64s("ends", k), g.int64s("axes", axis)));
            x = g.node("Concat", List.of(tail, head), integer("axis", axis));
        }
        return x;
    }

    /** [N, d, h, w, C] to windows [N·nW, n, C], windows and their tokens in (d, h, w) order. */
    private static String partition(Layers l, String x, Window w) {
        int[] p = w.padded(), s = w.window();
        String split = l.reshape(x, -1, p[0] / s[0], s[0], p[1] / s[1], s[1], p[2] / s[2], s[2], w.dim());
        return l.reshape(l.transpose(split, 0, 1, 3, 5, 2, 4, 6, 7), -1, w.tokens(), w.dim());
    }

    private static String reverse(Layers l, String windows, Window w) {
        int[] p = w.padded(), s = w.window();
        String split = l.reshape(windows, -1, p[0] / s[0], p[1] / s[1], p[2] / s[2], s[0], s[1], s[2], w.dim());
        return l.reshape(l.transpose(split, 0, 1, 4, 2, 5, 3, 6, 7), -1, p[0], p[1], p[2], w.dim());
    }

    /** MONAI's {@code WindowAttention} on [B, n, C] windows, with the relative position bias and the shift mask. */
    private String attention(Layers l, String name, String windows, Window w, String mask) {
        GraphBuilder g = l.graph();
        int n = w.tokens(), dim = w.dim(), h = w.heads(), headDim = dim / h;
        String qkv = l.linear(name + ".qkv", windows, dim, 3 * dim, qkvBias);
        String split = l.transpose(l.reshape(qkv, 0, n, 3, h, headDim), 2, 0, 3, 1, 4);
        List<String> qkvParts = g.node("Split", List.of(split), 3, integer("axis", 0), integer("num_outputs", 3));
        String q = g.node("Mul", List.of(qkvParts.get(0), l.scalar("attn.scale", (float) Math.pow(headDim, -0.5))));
        String scores = g.node("MatMul", List.of(q, l.transpose(qkvParts.get(1), 0, 1, 2, 4, 3)));
        scores = l.add(scores, relativePositionBias(l, name, h, n));
        if (mask != null) {
            String perImage = l.add(l.reshape(scores, -1, w.count(), h, n, n), mask);
            scores = l.reshape(perImage, 1, -1, h, n, n);
        }
        String weights = l.dropout(attentionDropout, g.node("Softmax", List.of(scores), integer("axis", -1)));
        String mixed = g.node("MatMul", List.of(weights, qkvParts.get(2)));
        String merged = l.reshape(l.transpose(mixed, 0, 1, 3, 2, 4), -1, n, dim);
        return l.dropout(dropout, l.linear(name + ".proj", merged, dim, dim, true));
    }

    /**
     * The learnt bias of each head for each pair of a window's tokens, read from the table by their relative
     * position [heads, n, n]. The index is the module's full window's, cut to the first n tokens, as MONAI does
     * for a window clipped to a smaller volume.
     */
    private String relativePositionBias(Layers l, String name, int heads, int n) {
        int w0 = windowSize[0], w1 = windowSize[1], w2 = windowSize[2];
        int rows = (2 * w0 - 1) * (2 * w1 - 1) * (2 * w2 - 1);
        String table = l.truncatedNormal(name + ".relative_position_bias_table", new long[] {rows, heads}, 0.02);
        long[] index = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                long d = i / (w1 * w2) - j / (w1 * w2) + w0 - 1;
                long r = (i / w2) % w1 - (j / w2) % w1 + w1 - 1;
                long c = i % w2 - j % w2 + w2 - 1;
                index[i * n + j] = d * (2 * w1 - 1) * (2 * w2 - 1) + r * (2 * w2 - 1) + c;
            }
        }
        String bias = l.graph().node("Gather", List.of(table, l.graph().int64s(name + ".relative_positions", index)));
        return l.transpose(l.reshape(bias, n, n, heads), 2, 0, 1);
    }

    /**
     * MONAI's {@code compute_mask}: tokens that the roll brought together from different regions of the volume do
     * not attend to each other. [nW, 1, n, n], computed from each token's region id.
     */
    private static String mask(Layers l, String name, Window w, int[] shift) {
        int[] p = w.padded(), s = w.window();
        int n = w.tokens(), count = w.count();
        float[] ids = new float[count * n];
        int window = 0;
        for (int bd = 0; bd < p[0] / s[0]; bd++) {
            for (int bh = 0; bh < p[1] / s[1]; bh++) {
                for (int bw = 0; bw < p[2] / s[2]; bw++, window++) {
                    int token = 0;
                    for (int td = 0; td < s[0]; td++) {
                        for (int th = 0; th < s[1]; th++) {
                            for (int tw = 0; tw < s[2]; tw++, token++) {
                                int[] pos = {bd * s[0] + td, bh * s[1] + th, bw * s[2] + tw};
                                int id = 0;
                                for (int a = 0; a < 3; a++) {
                                    id = id * 3 + region(pos[a], p[a], s[a], shift[a]);
                                }
                                ids[window * n + token] = id;
                            }
                        }
                    }
                }
            }
        }
        GraphBuilder g = l.graph();
        String regions = g.floats("fixed." + name + ".mask_regions", new long[] {count, n}, ids);
        String difference = g.node("Sub", List.of(l.reshape(regions, count, 1, n), l.reshape(regions, count, n, 1)));
        String same = g.node("Equal", List.of(difference, l.scalar("mask.zero", 0f)));
        String mask = g.node("Where", List.of(same, l.scalar("mask.zero", 0f), l.scalar("mask.masked", MASKED)));
        return l.reshape(mask, count, 1, n, n);
    }

    /**
     * The region of {@code pos} along one axis as MONAI's slices assign it: [0, p − window), [p − window, p − shift),
     * [p − shift, p); with no shift, {@code slice(-0, None)} is the whole axis and is assigned last.
     */
    private static int region(int pos, int padded, int window, int shift) {
        if (shift == 0) {
            return 2;
        }
        return pos < padded - window ? 0 : pos < padded - shift ? 1 : 2;
    }

    /** Patch merging on [N, d, h, w, C]: each 2³ block's 8 voxels side by side, layer norm, linear to 2C. */
    private String merge(Layers l, String name, String x, int dim, int[] size) {
        GraphBuilder g = l.graph();
        int[] even = new int[3];
        Arrays.setAll(even, a -> size[a] + size[a] % 2);
        if (!Arrays.equals(even, size)) {
            long[] pads = new long[10];
            for (int a = 0; a < 3; a++) {
                pads[6 + a] = size[a] % 2;
            }
            x = g.node("Pad", List.of(x, g.int64s("pads", pads)));
        }
        int d = even[0] / 2, h = even[1] / 2, w = even[2] / 2;
        String blocks = l.transpose(l.reshape(x, 0, d, 2, h, 2, w, 2, dim), 0, 1, 3, 5, 2, 4, 6, 7);
        String merged;
        if (mergingV2) {
            merged = l.reshape(blocks, 0, d, h, w, 8L * dim);
        } else {
            List<String> voxels = g.node(
                    "Split",
                    List.of(l.reshape(blocks, 0, d, h, w, 8, dim)),
                    8,
                    integer("axis", 4),
                    integer("num_outputs", 8));
            List<String> ordered =
                    Arrays.stream(MERGING_V1_ORDER).mapToObj(voxels::get).toList();
            merged = l.reshape(g.node("Concat", ordered, integer("axis", 4)), 0, d, h, w, 8L * dim);
        }
        return l.linear(name + ".reduction", l.layerNorm(name + ".norm", merged, 8 * dim), 8 * dim, 2 * dim, false);
    }

    /** MONAI's {@code proj_out}: a stage's output [N, C, d, h, w] layer-normalised over its channels, if asked. */
    private String projOut(Layers l, String x, int channels) {
        if (!normalize) {
            return x;
        }
        return l.transpose(l.layerNorm(l.transpose(x, 0, 2, 3, 4, 1), channels), 0, 4, 1, 2, 3);
    }

    private void check() {
        long divisor = (long) Math.pow(patchSize, 5);
        for (int s : imageSize) {
            if (s % divisor != 0) {
                throw new IllegalArgumentException("SwinUNETR's image size " + Arrays.toString(imageSize)
                        + " must be divisible by patch_size^5 = " + divisor);
            }
        }
        for (int i = 0; i < STAGES; i++) {
            int dim = featureSize << i;
            if (dim % heads[i] != 0) {
                throw new IllegalArgumentException(
                        "stage " + (i + 1) + "'s " + dim + " features are not divisible by " + heads[i] + " heads");
            }
        }
    }

    private static int[] perStage(String what, int[] values) {
        if (values.length != STAGES) {
            throw new IllegalArgumentException(
                    "SwinUNETR has " + STAGES + " stages: " + what + " must give 4, gave " + Arrays.toString(values));
        }
        Arrays.stream(values).forEach(n -> positive(what, n));
        return values.clone();
    }

    private static int[] axes(String what, int[] size) {
        int[] s = size.length == 1 ? new int[] {size[0], size[0], size[0]} : size.clone();
        if (s.length != 3) {
            throw new IllegalArgumentException(what + " must give 1 or 3 sizes, gave " + Arrays.toString(size));
        }
        Arrays.stream(s).forEach(n -> positive(what, n));
        return s;
    }

    @Override
    public String toString() {
        return "SwinUNETR(in=" + inChannels + ", out=" + outChannels + ", imageSize=" + Arrays.toString(imageSize)
                + ", patch=" + patchSize + ", depths=" + Arrays.toString(depths) + ", heads=" + Arrays.toString(heads)
                + ", window=" + Arrays.toString(windowSize) + ", featureSize=" + featureSize + ", qkvBias=" + qkvBias
                + ", mlpRatio=" + mlpRatio + ", norm=" + norm + ", dropout=" + dropout + ", attentionDropout="
                + attentionDropout + ", normalize=" + normalize + ", merging=" + (mergingV2 ? "v2" : "v1") + ", v2="
                + v2 + ", seed=" + seed + ")";
    }
}
