"""Test oracle for the ml module: a network MedLabel built, run by MONAI's own class with the same weights.

The network is monai.networks.nets.<UNet|BasicUNet|UNETR> (MONAI 1.5.0 from ../shared/oracles), built from CONFIG (JSON:
"network", "inputShape" and the builder's settings) with MODEL's (an ONNX file's) weights loaded by name (monai_nets).

usage:
  torch_oracle.py run MODEL CONFIG INPUT OUTPUT   MONAI's eval forward of INPUT (raw little-endian float32 of CONFIG's
                                                  inputShape) into OUTPUT (raw float32)
  torch_oracle.py export MODEL CONFIG DIR EXPORTER
                                                  the same network plus a channel softmax (as exported models often
                                                  end), exported with torch.onnx (EXPORTER "legacy" = TorchScript,
                                                  batch axis dynamic; "dynamo"): DIR/model.onnx, DIR/input.bin,
                                                  DIR/output.bin
  torch_oracle.py grad MODEL CONFIG INPUT LABEL OUTDIR
                                                  the reference for a training step's gradients: the network in
                                                  float64, loss (see dice_ce) against LABEL (raw little-endian float32
                                                  class indices, shape [N, 1, spatial...] of the input's N and spatial
                                                  size), gradients by autograd. CONFIG may add "loss" ("dicece"
                                                  default | "dice" | "ce"), "classWeights" (C floats) and "training"
                                                  (true: train mode, BatchNorm normalises with the batch's
                                                  statistics). Writes OUTDIR/loss.txt (repr of the float64 loss),
                                                  OUTDIR/grads.bin (the gradient of each of MODEL's parameters, i.e.
                                                  float initializers of rank >= 1 other than fixed.* constants and
                                                  running statistics, little-endian float64, concatenated in MODEL's
                                                  initializer order, by our names) and OUTDIR/grads.json ([{"name",
                                                  "offset", "count"}, ...] in float64 elements); prints {"loss": ...}.
"""
import json
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F

from monai_nets import is_state, monai_network, parameter_of, read_onnx

STATISTICS_SUFFIXES = ("running_mean", "running_var")


def read_input(path, cfg):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(cfg["inputShape"]).copy())


def run(model, config, inp, out):
    cfg = json.load(open(config))
    net = monai_network(model, cfg).eval()
    with torch.no_grad():
        y = net(read_input(inp, cfg))
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
    net = monai_network(model, cfg, torch.float64)
    net.train(bool(cfg.get("training", False)))
    logits = net(read_input(inp, cfg).double())
    loss = dice_ce(logits, read_label(label, cfg).double(), cfg)
    tensors, _ = read_onnx(model)
    names = [n for n, t in tensors.items() if is_state(n, t) and not n.endswith(STATISTICS_SUFFIXES)]
    targets = [parameter_of(net, n) for n in names]
    missing = [n for n, (p, _) in zip(names, targets) if p is None]
    if missing:
        raise AssertionError(f"parameters of ours MONAI's network does not learn: {missing[:10]}")
    grads = torch.autograd.grad(loss, [p for p, _ in targets], allow_unused=True)
    index, offset, parts = [], 0, []
    for name, (p, transposed), g in zip(names, targets, grads):
        g = torch.zeros_like(p) if g is None else g
        g = g.t() if transposed else g
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
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def export(model, config, directory, exporter):
    cfg = json.load(open(config))
    net = Exported(monai_network(model, cfg)).eval()
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
