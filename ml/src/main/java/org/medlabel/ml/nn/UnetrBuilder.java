package org.medlabel.ml.nn;

import static org.medlabel.ml.nn.Settings.positive;
import static org.medlabel.ml.onnx.Attributes.integer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.medlabel.ml.onnx.Attributes;
import org.medlabel.ml.onnx.GraphBuilder;
import org.medlabel.ml.onnx.proto.Onnx.ModelProto;

/**
 * MONAI's {@code monai.networks.nets.UNETR} (Hatamizadeh et al. 2022) as an ONNX graph: a ViT encoder (16³ patch
 * embedding by convolution, learnable position embedding, 12 pre-norm transformer blocks of multi-head
 * self-attention and a GELU MLP) whose hidden states 3, 6, 9 and 12 are reshaped into volumes and decoded by
 * transposed-convolution and residual blocks with skips, the first skip from the image itself. Parameters as MONAI's:
 * image size (each divisible by 16), feature size, hidden size, MLP dimension, heads. Input {@code image}
 * [N, in, D, H, W] of exactly the image size (the position embedding fixes it), output {@code logits}.
 */
public final class UnetrBuilder {

    private static final int PATCH = 16;
    private static final int LAYERS = 12;

    private int inChannels = 1;
    private int outChannels = 2;
    private int[] imageSize = {96, 96, 96};
    private int featureSize = 16;
    private int hiddenSize = 768;
    private int mlpDim = 3072;
    private int heads = 12;
    private Norm norm = Norm.INSTANCE;
    private boolean qkvBias;
    private double dropout;
    private long seed;

    public UnetrBuilder inChannels(int n) {
        this.inChannels = positive("in channels", n);
        return this;
    }

    public UnetrBuilder outChannels(int n) {
        this.outChannels = positive("out channels", n);
        return this;
    }

    public UnetrBuilder imageSize(int d, int h, int w) {
        for (int s : new int[] {d, h, w}) {
            if (s < PATCH || s % PATCH != 0) {
                throw new IllegalArgumentException("UNETR image sizes must be multiples of " + PATCH + ", got "
                        + Arrays.toString(new int[] {d, h, w}));
            }
        }
        this.imageSize = new int[] {d, h, w};
        return this;
    }

    public UnetrBuilder featureSize(int n) {
        this.featureSize = positive("feature size", n);
        return this;
    }

    public UnetrBuilder hiddenSize(int n) {
        this.hiddenSize = positive("hidden size", n);
        return this;
    }

    public UnetrBuilder mlpDim(int n) {
        this.mlpDim = positive("MLP dimension", n);
        return this;
    }

    public UnetrBuilder heads(int n) {
        this.heads = positive("heads", n);
        return this;
    }

    public UnetrBuilder norm(Norm n) {
        this.norm = n;
        return this;
    }

    public UnetrBuilder qkvBias(boolean b) {
        this.qkvBias = b;
        return this;
    }

    public UnetrBuilder dropout(double p) {
        this.dropout = Settings.dropout(p);
        return this;
    }

    public UnetrBuilder seed(long s) {
        this.seed = s;
        return this;
    }

    public ModelProto build() {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by " + heads + " heads");
        }
        GraphBuilder g = new GraphBuilder("unetr");
        Layers l = new Layers(g, seed);
        int d = imageSize[0], h = imageSize[1], w = imageSize[2];
        String image = g.input("image", -1, inChannels, d, h, w);
        List<String> hidden = new ArrayList<>();
        String x = vit(l, image, hidden);
        int fs = featureSize;
        String enc1 = UnetrBlocks.resBlock(l, norm, "encoder1.layer", image, inChannels, fs);
        String enc2 = prUp(l, "encoder2", volume(l, hidden.get(3)), hiddenSize, 2 * fs, 2);
        String enc3 = prUp(l, "encoder3", volume(l, hidden.get(6)), hiddenSize, 4 * fs, 1);
        String enc4 = prUp(l, "encoder4", volume(l, hidden.get(9)), hiddenSize, 8 * fs, 0);
        String dec3 = UnetrBlocks.up(l, norm, "decoder5", volume(l, x), enc4, hiddenSize, 8 * fs);
        String dec2 = UnetrBlocks.up(l, norm, "decoder4", dec3, enc3, 8 * fs, 4 * fs);
        String dec1 = UnetrBlocks.up(l, norm, "decoder3", dec2, enc2, 4 * fs, 2 * fs);
        String out = UnetrBlocks.up(l, norm, "decoder2", dec1, enc1, 2 * fs, fs);
        String logits = l.conv("out.conv.conv", out, fs, outChannels, 1, 1, true);
        g.output(logits, -1, outChannels, d, h, w);
        // MONAI 1.5's transformer blocks always hold a cross-attention, used only by other networks
        l.unusedInStateDict("vit\\.blocks\\.\\d+\\.(norm_cross_attn|cross_attn)\\..*");
        return l.model(toString());
    }

    /** The ViT: returns the final normalised tokens [N, P, hidden] and collects each block's output. */
    private String vit(Layers l, String image, List<String> hidden) {
        String patches = l.graph()
                .node(
                        "Conv",
                        List.of(
                                image,
                                l.truncatedNormal(
                                        "vit.patch_embedding.patch_embeddings.weight",
                                        new long[] {hiddenSize, inChannels, PATCH, PATCH, PATCH},
                                        0.02),
                                l.constant("vit.patch_embedding.patch_embeddings.bias", hiddenSize, 0f)),
                        Attributes.repeated("kernel_shape", PATCH, 3),
                        Attributes.repeated("strides", PATCH, 3));
        long p = patchCount();
        String tokens = l.transpose(l.reshape(patches, 0, hiddenSize, p), 0, 2, 1);
        String x = l.add(
                tokens,
                l.truncatedNormal("vit.patch_embedding.position_embeddings", new long[] {1, p, hiddenSize}, 0.02));
        x = l.dropout(dropout, x);
        for (int i = 0; i < LAYERS; i++) {
            String name = "vit.blocks." + i;
            x = l.add(x, attention(l, name + ".attn", l.layerNorm(name + ".norm1", x, hiddenSize)));
            x = l.add(
                    x,
                    UnetrBlocks.mlp(
                            l,
                            name + ".mlp",
                            l.layerNorm(name + ".norm2", x, hiddenSize),
                            hiddenSize,
                            mlpDim,
                            dropout));
            hidden.add(x);
        }
        return l.layerNorm("vit.norm", x, hiddenSize);
    }

    private String attention(Layers l, String name, String x) {
        long p = patchCount();
        int headDim = hiddenSize / heads;
        String qkv = l.linear(name + ".qkv", x, hiddenSize, 3 * hiddenSize, qkvBias);
        // [N, P, (3, heads, d)] -> [3, N, heads, P, d] -> q, k, v of [1, N, heads, P, d]
        String split = l.transpose(l.reshape(qkv, 0, p, 3, heads, headDim), 2, 0, 3, 1, 4);
        List<String> qkvParts =
                l.graph().node("Split", List.of(split), 3, integer("axis", 0), integer("num_outputs", 3));
        String scores = l.graph().node("MatMul", List.of(qkvParts.get(0), l.transpose(qkvParts.get(1), 0, 1, 2, 4, 3)));
        scores = l.graph().node("Mul", List.of(scores, l.scalar("attn.scale", (float) (1 / Math.sqrt(headDim)))));
        String attention = l.graph().node("Softmax", List.of(scores), integer("axis", -1));
        String mixed = l.graph().node("MatMul", List.of(attention, qkvParts.get(2)));
        String merged = l.reshape(l.transpose(mixed, 0, 1, 3, 2, 4), -1, p, hiddenSize);
        return l.dropout(dropout, l.linear(name + ".out_proj", merged, hiddenSize, hiddenSize, true));
    }

    /** Tokens [N, P, hidden] back to a volume [N, hidden, D/16, H/16, W/16]. */
    private String volume(Layers l, String tokens) {
        String grid =
                l.reshape(tokens, 0, imageSize[0] / PATCH, imageSize[1] / PATCH, imageSize[2] / PATCH, hiddenSize);
        return l.transpose(grid, 0, 4, 1, 2, 3);
    }

    /** MONAI's {@code UnetrPrUpBlock}: a 2³ transposed convolution, then {@code layers} × (up, residual block). */
    private String prUp(Layers l, String name, String x, int in, int out, int layers) {
        String y = UnetrBlocks.up2(l, name + ".transp_conv_init", x, in, out);
        for (int i = 0; i < layers; i++) {
            y = UnetrBlocks.resBlock(
                    l,
                    norm,
                    name + ".blocks." + i + ".1",
                    UnetrBlocks.up2(l, name + ".blocks." + i + ".0", y, out, out),
                    out,
                    out);
        }
        return y;
    }

    private long patchCount() {
        return (long) (imageSize[0] / PATCH) * (imageSize[1] / PATCH) * (imageSize[2] / PATCH);
    }

    @Override
    public String toString() {
        return "UNETR(in=" + inChannels + ", out=" + outChannels + ", imageSize=" + Arrays.toString(imageSize)
                + ", featureSize=" + featureSize + ", hiddenSize=" + hiddenSize + ", mlpDim=" + mlpDim + ", heads="
                + heads + ", norm=" + norm + ", qkvBias=" + qkvBias + ", dropout=" + dropout + ", seed=" + seed + ")";
    }
}
