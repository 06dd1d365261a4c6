"""Checkpoints as MONAI users have them, for the checkpoint reader's tests: MONAI's own network class, seeded, with
every parameter and buffer drawn at random (so that batch-norm statistics and PReLU slopes matter), saved by PyTorch in
each layout MedLabel reads, plus MONAI's eval output for one input.

usage: monai_checkpoint.py CONFIG DIR
  CONFIG  JSON {"network": a class of monai.networks.nets, "args": {constructor arguments}, "inputShape": [...],
          "seed": n, "torchscript": false to skip model.ts, "trace" to trace it}
  writes  DIR/state_dict.pt   model.state_dict()
          DIR/model.pt        {"model": state dict, "epoch": 7}  (MONAI Label's checkpoint layout)
          DIR/wrapped.pt      {"state_dict": state dict with DataParallel's "module." prefix, "optimizer": Adam's state}
          DIR/model.ts        torch.jit.script(model) (or torch.jit.trace, as the zoo exports SwinUNETR) saved by
                              torch.jit.save (what bundles ship)
          DIR/half.pt         the state dict in float16; DIR/output_half.bin its eval output
          DIR/input.bin, DIR/output.bin  an input and MONAI's eval output (raw little-endian float32)
"""
import json
import re
import sys

import torch
from monai.networks import nets


def randomise(net, generator):
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=generator))
            elif name.endswith(("running_mean", ".bias")) or ".adn.N." in name or ".A.weight" in name:
                t.copy_(0.2 * torch.randn(t.shape, generator=generator))
            elif name.endswith("relative_position_bias_table"):  # MONAI draws it small: make it matter
                t.copy_(torch.randn(t.shape, generator=generator))
            elif re.search(r"(norm\d*|conv_final\.0)\.weight$", name):  # affine norms outside MONAI's ADN blocks
                t.copy_(1 + 0.2 * torch.randn(t.shape, generator=generator))


def main(config, directory):
    cfg = json.load(open(config))
    torch.manual_seed(cfg["seed"])
    args = dict(cfg["args"])
    if cfg["network"] == "SwinUNETR":
        args.pop("img_size", None)  # MONAI 1.5 takes the size from each input; MedLabel builds for one size
    net = getattr(nets, cfg["network"])(**args)
    randomise(net, torch.Generator().manual_seed(cfg["seed"]))
    net.eval()
    x = torch.randn(*cfg["inputShape"], generator=torch.Generator().manual_seed(cfg["seed"] + 1))
    with torch.no_grad():
        y = net(x)
    sd = net.state_dict()
    torch.save(sd, f"{directory}/state_dict.pt")
    torch.save({"model": sd, "epoch": 7}, f"{directory}/model.pt")
    optimizer = torch.optim.Adam(net.parameters())
    torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}, "optimizer": optimizer.state_dict()},
               f"{directory}/wrapped.pt")
    if cfg.get("torchscript", True) == "trace":
        with torch.no_grad():
            torch.jit.save(torch.jit.trace(net, x), f"{directory}/model.ts")
    elif cfg.get("torchscript", True):
        torch.jit.save(torch.jit.script(net), f"{directory}/model.ts")
    half = {k: v.half() if v.is_floating_point() else v for k, v in sd.items()}
    torch.save(half, f"{directory}/half.pt")
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in half.items()})
    with torch.no_grad():
        y_half = net(x)
    x.numpy().astype("<f4").tofile(f"{directory}/input.bin")
    y.numpy().astype("<f4").tofile(f"{directory}/output.bin")
    y_half.numpy().astype("<f4").tofile(f"{directory}/output_half.bin")
    print(json.dumps({"keys": len(sd), "output": list(y.shape)}))


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:3])
