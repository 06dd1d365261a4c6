"""Test oracle for the ml module: a network MedLabel built, run by MONAI's own class with the same weights.

The network is monai.networks.nets.<UNet|BasicUNet|UNETR|...> (MONAI 1.5.0 from ../shared/oracles), built from CONFIG
(JSON: "network", "inputShape" and the builder's settings, or "args": MONAI's constructor arguments) with MODEL's (an ONNX file's) weights loaded by name (monai_nets).

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

from monai.losses import DiceCELoss, DiceLoss

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
    """MONAI's own loss for logits [N, C, spatial...] and label [N, 1, spatial...] (class indices, any float type).

    C >= 2: monai.losses.DiceCELoss(to_onehot_y=True, softmax=True) ("dicece", default), DiceLoss with the same options
    ("dice"), or PyTorch's cross_entropy ("ce", the CE part of DiceCELoss); C == 1: the sigmoid forms (DiceCELoss /
    DiceLoss(sigmoid=True), binary_cross_entropy_with_logits), labels 0/1. cfg: "loss", "classWeights" (C floats:
    MONAI's weight=, for the Dice terms and the cross-entropy), "squaredPred", "batch" (MONAI's squared_pred, batch).
    check=False skips the label's validation (a benchmark's loop).
    """
    c = logits.shape[1]
    kind = cfg.get("loss", "dicece")
    if kind not in ("dicece", "dice", "ce"):
        raise ValueError(f"loss must be dicece, dice or ce, was {kind}")
    if label.shape[1] != 1 or label.shape[0] != logits.shape[0] or label.shape[2:] != logits.shape[2:]:
        raise ValueError(f"label shape {list(label.shape)} does not fit logits {list(logits.shape)}")
    target = label.round()
    if check and (not torch.equal(target, label) or target.min() < 0 or target.max() >= max(c, 2)):
        raise ValueError(f"label values must be class indices in [0, {max(c, 2)})")
    weight = None
    if cfg.get("classWeights") is not None:
        weight = torch.tensor(cfg["classWeights"], dtype=logits.dtype)
        if weight.shape != (c,):
            raise ValueError(f"classWeights needs {c} values, had {list(weight.shape)}")
    options = dict(squared_pred=bool(cfg.get("squaredPred", False)), batch=bool(cfg.get("batch", False)))
    if c == 1:
        options["sigmoid"] = True
    else:
        options.update(to_onehot_y=True, softmax=True)
    if kind == "ce":
        if c == 1:
            return F.binary_cross_entropy_with_logits(logits, target)
        return F.cross_entropy(logits, target[:, 0].long(), weight=weight)
    if kind == "dice":
        return DiceLoss(weight=weight, **options)(logits, target)
    return DiceCELoss(weight=weight, **options)(logits, target)


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
