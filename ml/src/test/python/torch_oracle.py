"""Test oracle for the ml module: MONAI's network structures re-derived with PyTorch's own kernels.

usage:
  torch_oracle.py run MODEL CONFIG INPUT OUTPUT   run the network that MedLabel built (MODEL, an ONNX file) in PyTorch:
                                                  weights by name from MODEL's initializers, structure from CONFIG
                                                  (JSON, the builder's settings); INPUT/OUTPUT raw little-endian float32
                                                  (the input's shape is in CONFIG). Every parameter must be used.
  torch_oracle.py export MODEL CONFIG DIR EXPORTER
                                                  wrap the same network (plus a channel softmax, as exported models
                                                  often end) in a torch.nn.Module, export it with torch.onnx
                                                  (EXPORTER "legacy" = TorchScript, batch axis dynamic; "dynamo"),
                                                  and write DIR/model.onnx, DIR/input.bin, DIR/output.bin
  torch_oracle.py grad MODEL CONFIG INPUT LABEL OUTDIR
                                                  the reference for a training step's gradients: the same network in
                                                  float64, loss (see dice_ce) against LABEL (raw little-endian float32
                                                  class indices, shape [N, 1, spatial...] of the input's N and spatial
                                                  size), gradients of every parameter by autograd. CONFIG as for run,
                                                  plus optional "loss" ("dicece" default | "dice" | "ce"),
                                                  "classWeights" (C floats) and "training" (true: BatchNorm normalises
                                                  with the batch's statistics). Dropout is never applied (ratio 0).
                                                  Writes OUTDIR/loss.txt (the float64 loss, repr), OUTDIR/grads.bin
                                                  (every parameter's gradient, little-endian float64, concatenated in
                                                  the order of MODEL's initializers; initializers that are constants,
                                                  i.e. named with a CONSTANT_PREFIXES prefix or ending in running_mean /
                                                  running_var, are skipped) and OUTDIR/grads.json ([{"name", "offset",
                                                  "count"}, ...], offset and count in float64 elements); prints
                                                  {"loss": ...}. Every parameter must be used.
"""
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

CONSTANT_PREFIXES = ("fixed.", "shape", "gelu.", "attn.scale", "dropout.ratio")
STATISTICS_SUFFIXES = ("running_mean", "running_var")


def is_parameter(name):
    """A learnable initializer: not a constant of the graph, not a normalisation's running statistic."""
    return not name.startswith(CONSTANT_PREFIXES) and not name.endswith(STATISTICS_SUFFIXES)


class Params:
    """The model's initializers; each parameter must be taken exactly once."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.used = set()

    def __call__(self, name):
        if name not in self.tensors:
            raise KeyError(f"parameter {name} missing from the model")
        self.used.add(name)
        return self.tensors[name]

    def check_all_used(self):
        unused = [n for n in self.tensors if n not in self.used and not n.startswith(CONSTANT_PREFIXES)]
        if unused:
            raise AssertionError(f"parameters the structure does not use: {unused[:10]}")


def load(path):
    model = onnx.load(path)
    return {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}


def load_float64(path):
    """The initializers in the model's order, floating ones as float64; parameters (is_parameter) require grad."""
    tensors = {}
    for name, t in load(path).items():
        if t.is_floating_point():
            t = t.double()
            if is_parameter(name):
                t.requires_grad_(True)
        tensors[name] = t
    return tensors


def adn(x, p, name, cfg, channels):
    norm = cfg["norm"]
    if norm == "INSTANCE":
        x = F.instance_norm(x, eps=1e-5)
    elif norm == "INSTANCE_AFFINE":
        x = F.instance_norm(x, weight=p(name + ".norm.weight"), bias=p(name + ".norm.bias"), eps=1e-5)
    elif norm == "BATCH":
        # cfg "training": normalise with the batch's statistics (the running ones are then only updated, in place)
        x = F.batch_norm(x, p(name + ".norm.running_mean"), p(name + ".norm.running_var"), p(name + ".norm.weight"),
                         p(name + ".norm.bias"), training=bool(cfg.get("training", False)), eps=1e-5)
    act = cfg["activation"]
    if act == "PRELU":
        return F.prelu(x, p(name + ".act.weight"))
    if act == "LEAKY_RELU":
        return F.leaky_relu(x, cfg["slope"])
    return F.relu(x)


def conv(x, p, name, stride, k, bias):
    """A convolution over x's spatial axes (2 or 3)."""
    convolve = F.conv2d if x.dim() == 4 else F.conv3d
    return convolve(x, p(name + ".weight"), p(name + ".bias") if bias else None, stride=stride, padding=k // 2)


def unet(x, p, cfg):
    """monai.networks.nets.UNet: residual units, strided down, transposed up, concatenated skips."""
    ch, st, units = cfg["channels"], cfg["strides"], cfg["residualUnits"]
    plain = cfg["norm"] == "NONE"

    def unit(x, name, cin, cout, stride, subunits, last_conv_only):
        n = max(1, subunits)
        y, s = x, stride
        for i in range(n):
            conv_only = last_conv_only and i == n - 1
            sub = name if subunits == 0 else f"{name}.unit{i}"
            y = conv(y, p, sub + ".conv", s, 3, conv_only or plain)
            if not conv_only:
                y = adn(y, p, sub + ".adn", cfg, cout)
            s = 1
        if subunits == 0:
            return y
        if stride == 1 and cin == cout:
            return y + x
        return y + conv(x, p, name + ".residual", stride, 3 if stride != 1 else 1, True)

    def block(x, cin, cout, level, top):
        c, s = ch[level], st[level]
        down = unit(x, f"down{level}", cin, c, s, units, False)
        if level + 2 < len(ch):
            below = block(down, c, c, level + 1, False)
        else:
            below = unit(down, "bottom", c, ch[level + 1], 1, units, False)
        cat = torch.cat([down, below], 1)
        conv_only = top and units == 0
        name = f"up{level}"
        up = F.conv_transpose3d(cat, p(name + ".conv.weight"), p(name + ".conv.bias") if conv_only or plain else None,
                                stride=s, padding=1, output_padding=s - 1)
        if not conv_only:
            up = adn(up, p, name + ".adn", cfg, cout)
        return unit(up, name + ".res", cout, cout, 1, 1, top) if units > 0 else up

    return block(x, cfg["in"], cfg["out"], 0, True)


def basic_unet(x, p, cfg):
    """monai.networks.nets.BasicUNet: two convs per level, max-pool down, 2^d deconv up (spatial_dims d = 2 or 3)."""
    pool = F.max_pool2d if x.dim() == 4 else F.max_pool3d
    deconv = F.conv_transpose2d if x.dim() == 4 else F.conv_transpose3d
    f = cfg["features"]
    plain = cfg["norm"] == "NONE"

    def two_conv(x, name, cout):
        x = adn(conv(x, p, name + ".conv_0.conv", 1, 3, plain), p, name + ".conv_0.adn", cfg, cout)
        return adn(conv(x, p, name + ".conv_1.conv", 1, 3, plain), p, name + ".conv_1.adn", cfg, cout)

    def up_cat(x, skip, name, cout):
        x0 = deconv(x, p(name + ".upsample.weight"), p(name + ".upsample.bias"), stride=2)
        return two_conv(torch.cat([skip, x0], 1), name + ".convs", cout)

    x0 = two_conv(x, "conv_0", f[0])
    x1 = two_conv(pool(x0, 2), "down_1", f[1])
    x2 = two_conv(pool(x1, 2), "down_2", f[2])
    x3 = two_conv(pool(x2, 2), "down_3", f[3])
    x4 = two_conv(pool(x3, 2), "down_4", f[4])
    u4 = up_cat(x4, x3, "upcat_4", f[3])
    u3 = up_cat(u4, x2, "upcat_3", f[2])
    u2 = up_cat(u3, x1, "upcat_2", f[1])
    u1 = up_cat(u2, x0, "upcat_1", f[5])
    return conv(u1, p, "final_conv", 1, 1, True)


def unetr(x, p, cfg):
    """monai.networks.nets.UNETR: ViT encoder (16^3 patches), hidden states 3/6/9/12 decoded with skips."""
    hidden, heads, fs = cfg["hiddenSize"], cfg["heads"], cfg["featureSize"]
    grid = [s // 16 for s in cfg["imageSize"]]

    def linear(x, name, bias=True):
        return x @ p(name + ".weight_t") + (p(name + ".bias") if bias else 0)

    def layer_norm(x, name):
        return F.layer_norm(x, (hidden,), p(name + ".weight"), p(name + ".bias"), eps=1e-5)

    def attention(x, name):
        n, t, _ = x.shape
        qkv = linear(x, name + ".qkv", cfg["qkvBias"]).reshape(n, t, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(q @ k.transpose(-2, -1) * (hidden // heads) ** -0.5, dim=-1)
        return linear((att @ v).transpose(1, 2).reshape(n, t, hidden), name + ".out_proj")

    def res_block(x, name, cout):
        y = F.leaky_relu(F.instance_norm(conv(x, p, name + ".conv1", 1, 3, False), eps=1e-5), 0.01)
        y = F.instance_norm(conv(y, p, name + ".conv2", 1, 3, False), eps=1e-5)
        if x.shape[1] != cout:
            x = F.instance_norm(conv(x, p, name + ".conv3", 1, 1, False), eps=1e-5)
        return F.leaky_relu(y + x, 0.01)

    def up2(x, name):
        return F.conv_transpose3d(x, p(name + ".weight"), stride=2)

    def pr_up(x, name, cout, layers):
        x = up2(x, name + ".transp_conv_init")
        for i in range(layers):
            x = res_block(up2(x, f"{name}.blocks.{i}.0"), f"{name}.blocks.{i}.1", cout)
        return x

    def up(x, skip, name, cout):
        return res_block(torch.cat([up2(x, name + ".transp_conv"), skip], 1), name + ".conv_block", cout)

    def volume(t):
        return t.reshape(t.shape[0], *grid, hidden).permute(0, 4, 1, 2, 3)

    tokens = F.conv3d(x, p("vit.patch_embedding.weight"), p("vit.patch_embedding.bias"), stride=16)
    h = tokens.flatten(2).transpose(1, 2) + p("vit.position_embedding")
    states = []
    for i in range(12):
        b = f"vit.blocks.{i}"
        h = h + attention(layer_norm(h, b + ".norm1"), b + ".attn")
        m = F.gelu(linear(layer_norm(h, b + ".norm2"), b + ".mlp.linear1"))
        h = h + linear(m, b + ".mlp.linear2")
        states.append(h)
    h = layer_norm(h, "vit.norm")
    enc1 = res_block(x, "encoder1", fs)
    enc2 = pr_up(volume(states[3]), "encoder2", 2 * fs, 2)
    enc3 = pr_up(volume(states[6]), "encoder3", 4 * fs, 1)
    enc4 = pr_up(volume(states[9]), "encoder4", 8 * fs, 0)
    d3 = up(volume(h), enc4, "decoder5", 8 * fs)
    d2 = up(d3, enc3, "decoder4", 4 * fs)
    d1 = up(d2, enc2, "decoder3", 2 * fs)
    out = up(d1, enc1, "decoder2", fs)
    return conv(out, p, "out", 1, 1, True)


NETWORKS = {"UNet": unet, "BasicUNet": basic_unet, "UNETR": unetr}


def read_input(path, cfg):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(cfg["inputShape"]).copy())


def run(model, config, inp, out):
    cfg = json.load(open(config))
    p = Params(load(model))
    with torch.no_grad():
        y = NETWORKS[cfg["network"]](read_input(inp, cfg), p, cfg)
    p.check_all_used()
    y.numpy().astype("<f4").tofile(out)
    print(json.dumps({"shape": list(y.shape)}))


def read_label(path, cfg):
    shape = list(cfg["inputShape"])
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape([shape[0], 1] + shape[2:]).copy())


def dice_ce(logits, label, cfg, check=True):
    """MONAI's DiceCELoss(to_onehot_y=True, softmax=True), default settings, written out.

    logits [N, C, spatial...] (C >= 2), label [N, 1, spatial...] of class indices (integers in [0, C), any float type).
    onehot = one-hot of label over C; p = softmax(logits, dim=1); per (n, c), over the spatial axes,
    dice[n, c] = 1 - (2 * sum(p * onehot) + 1e-5) / (sum(p) + sum(onehot) + 1e-5), background included;
    dice = mean over n and c; ce = cross_entropy(logits, label) (mean over all voxels); loss = dice + ce.
    cfg "classWeights" (C floats w), as MONAI's DiceCELoss(weight=w): ce = cross_entropy(logits, label, weight=w)
    (PyTorch's weighted mean: sum of w[label] * nll / sum of w[label]) and dice = mean over n and c of
    w[c] * dice[n, c] (weighted terms, still divided by N * C). cfg "loss": "dicece" (default), "dice" or "ce" alone.
    check=False skips the label's validation (a benchmark's loop).
    """
    c = logits.shape[1]
    if c == 1:
        return dice_bce(logits, label, cfg)
    if label.shape[1] != 1 or label.shape[0] != logits.shape[0] or label.shape[2:] != logits.shape[2:]:
        raise ValueError(f"label shape {list(label.shape)} does not fit logits {list(logits.shape)}")
    target = label[:, 0].round().long()
    if check and (not torch.equal(target.to(label.dtype), label[:, 0]) or target.min() < 0 or target.max() >= c):
        raise ValueError(f"label values must be class indices in [0, {c})")
    kind = cfg.get("loss", "dicece")
    if kind not in ("dicece", "dice", "ce"):
        raise ValueError(f"loss must be dicece, dice or ce, was {kind}")
    weight = None
    if cfg.get("classWeights") is not None:
        weight = torch.tensor(cfg["classWeights"], dtype=logits.dtype)
        if weight.shape != (c,):
            raise ValueError(f"classWeights needs {c} values, had {list(weight.shape)}")
    loss = torch.zeros((), dtype=logits.dtype)
    if kind in ("dicece", "dice"):
        onehot = F.one_hot(target, c).movedim(-1, 1).to(logits.dtype)
        prob = torch.softmax(logits, dim=1)
        axes = list(range(2, logits.dim()))
        intersection = torch.sum(prob * onehot, dim=axes)
        denominator = torch.sum(onehot, dim=axes) + torch.sum(prob, dim=axes)
        dice = 1.0 - (2.0 * intersection + 1e-5) / (denominator + 1e-5)
        if weight is not None:
            dice = dice * weight
        loss = loss + torch.mean(dice)
    if kind in ("dicece", "ce"):
        loss = loss + F.cross_entropy(logits, target, weight=weight)
    return loss


def dice_bce(logits, label, cfg):
    """MONAI's DiceCELoss(sigmoid=True) for one output channel, written out: y = label (0/1); p = sigmoid(logits);
    dice[n, 0] as in dice_ce with p and y; bce = binary_cross_entropy_with_logits(logits, y) (mean over voxels);
    cfg "loss" picks "dicece" (sum), "dice" or "ce" (the BCE) alone."""
    kind = cfg.get("loss", "dicece")
    y = label.to(logits.dtype)
    if not torch.equal(y, y.round()) or y.min() < 0 or y.max() > 1:
        raise ValueError("labels of a one-channel loss must be 0 or 1")
    loss = torch.zeros((), dtype=logits.dtype)
    if kind in ("dicece", "dice"):
        prob = torch.sigmoid(logits)
        axes = list(range(2, logits.dim()))
        intersection = torch.sum(prob * y, dim=axes)
        denominator = torch.sum(y, dim=axes) + torch.sum(prob, dim=axes)
        loss = loss + torch.mean(1.0 - (2.0 * intersection + 1e-5) / (denominator + 1e-5))
    if kind in ("dicece", "ce"):
        loss = loss + F.binary_cross_entropy_with_logits(logits, y)
    return loss


def grad(model, config, inp, label, outdir):
    cfg = json.load(open(config))
    tensors = load_float64(model)
    p = Params(tensors)
    x = read_input(inp, cfg).double()
    logits = NETWORKS[cfg["network"]](x, p, cfg)
    p.check_all_used()
    loss = dice_ce(logits, read_label(label, cfg).double(), cfg)
    names = [n for n, t in tensors.items() if is_parameter(n) and t.is_floating_point()]
    grads = torch.autograd.grad(loss, [tensors[n] for n in names], allow_unused=True)
    index, offset, parts = [], 0, []
    for name, g in zip(names, grads):
        g = torch.zeros_like(tensors[name]) if g is None else g
        parts.append(g.detach().numpy().astype("<f8").ravel())
        index.append({"name": name, "offset": offset, "count": int(g.numel())})
        offset += g.numel()
    (np.concatenate(parts) if parts else np.zeros(0, dtype="<f8")).tofile(f"{outdir}/grads.bin")
    with open(f"{outdir}/grads.json", "w") as f:
        json.dump(index, f)
    with open(f"{outdir}/loss.txt", "w") as f:
        f.write(repr(loss.item()))
    print(json.dumps({"loss": loss.item()}))


class Exported(torch.nn.Module):
    def __init__(self, tensors, cfg):
        super().__init__()
        self.names = sorted(tensors)
        self.params = torch.nn.ParameterList([torch.nn.Parameter(tensors[n], requires_grad=False) for n in self.names])
        self.cfg = cfg

    def forward(self, x):
        p = dict(zip(self.names, self.params))
        return torch.softmax(NETWORKS[self.cfg["network"]](x, p.__getitem__, self.cfg), dim=1)


def export(model, config, directory, exporter):
    cfg = json.load(open(config))
    net = Exported(load(model), cfg).eval()
    x = torch.randn(*cfg["inputShape"], generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        y = net(x)
    path = f"{directory}/model.onnx"
    if exporter == "legacy":
        torch.onnx.export(net, (x,), path, dynamo=False, opset_version=17, input_names=["image"],
                          output_names=["probabilities"], dynamic_axes={"image": {0: "N"}, "probabilities": {0: "N"}})
    else:
        torch.onnx.export(net, (x,), path, dynamo=True, opset_version=18, input_names=["image"],
                          output_names=["probabilities"], external_data=False)
    x.numpy().astype("<f4").tofile(f"{directory}/input.bin")
    y.numpy().astype("<f4").tofile(f"{directory}/output.bin")
    print(json.dumps({"ops": sorted({n.op_type for n in onnx.load(path).graph.node})}))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "run":
        run(*sys.argv[2:6])
    elif sys.argv[1] == "export":
        export(*sys.argv[2:6])
    elif sys.argv[1] == "grad":
        grad(*sys.argv[2:7])
    else:
        sys.exit(__doc__)
