"""PyTorch side of the training-step benchmark: one eager training step of a MONAI-structure UNet, timed.

usage: training_torch.py MODEL CONFIG PATCH STEPS THREADS
  MODEL    the UNet MedLabel built (UNetBuilder, written as ONNX): its initializers give the parameters' names,
           shapes and starting values (PyTorch's default initialisation, seeded), so PyTorch trains the same weights
  CONFIG   "small" (channels 8,16,32,64, strides 2,2,2) or "spleen" (16,32,64,128,256, strides 2,2,2,2) - both 2
           residual units, 1 channel in, 2 out, instance norm without affine, PReLU -, "spleen4" (MONAI Label's
           segmentation_spleen: "spleen" with batch norm, batches of 4 crops), "deepgrow2d" (MONAI Label's
           deepgrow_2d BasicUNet: 2-D, features 32..512, 3 in, 1 out (sigmoid DiceCE), batches of 16 slices of
           PATCH x PATCH), "deepgrow3d" (the same in 3-D, MONAI Label's deepgrow_3d: one volume of 2/3 PATCH x PATCH x
           PATCH, 128x192x192 at 192), "deepedit" (MONAI Label's deepedit DynUNet: 9 channels in, 8 out, one volume of
           PATCH³, its whole 128³ image at 128) or a JSON file in the format of
           ml/src/test/python/torch_oracle.py (its inputShape is ignored; "classWeights" and "loss" are honoured)
  PATCH    edge of the cubic patch (96: input [1, 1, 96, 96, 96]; deepgrow2d: [16, 3, PATCH, PATCH])
  STEPS    timed steps, after 2 warm-up steps that are not counted
  THREADS  torch.set_num_threads
The environment's BATCH overrides the preset's batch (as TrainingStepBenchmark's).
A step: optimizer.zero_grad(), forward (MONAI's own network class with the model's weights, monai_nets), MONAI's
DiceCELoss(to_onehot_y=True, softmax=True) (torch_oracle.dice_ce), backward, Adam(lr=1e-3).step().
Input ~ N(0, 1) and a random binary label (each voxel foreground with probability 1/2), both from seed 0.
Prints one JSON line: median_ms, p10_ms, p90_ms (of the timed steps), peak_rss_mb (ru_maxrss of the process),
steps (each timed step, ms), and forward/loss/backward/optimizer medians, parameters, first and last loss.
"""
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ml", "src", "test", "python"))
import torch_oracle  # noqa: E402
from monai_nets import monai_network  # noqa: E402

PRESETS = {
    "small": {"network": "UNet", "in": 1, "out": 2, "channels": [8, 16, 32, 64], "strides": [2, 2, 2],
              "residualUnits": 2, "norm": "INSTANCE", "activation": "PRELU", "slope": 0.25},
    "spleen": {"network": "UNet", "in": 1, "out": 2, "channels": [16, 32, 64, 128, 256], "strides": [2, 2, 2, 2],
               "residualUnits": 2, "norm": "INSTANCE", "activation": "PRELU", "slope": 0.25},
    "spleen4": {"network": "UNet", "in": 1, "out": 2, "channels": [16, 32, 64, 128, 256], "strides": [2, 2, 2, 2],
                "residualUnits": 2, "norm": "BATCH", "activation": "PRELU", "slope": 0.25, "batch": 4},
    "deepgrow2d": {"network": "BasicUNet", "in": 3, "out": 1, "features": [32, 64, 128, 256, 512, 32],
                   "norm": "INSTANCE_AFFINE", "activation": "LEAKY_RELU", "slope": 0.1, "batch": 16, "dims": 2},
    # MONAI Label's deepgrow_3d: one volume of 128x192x192 at PATCH 192 (depth 2/3 of the patch)
    "deepgrow3d": {"network": "BasicUNet", "in": 3, "out": 1, "features": [32, 64, 128, 256, 512, 32],
                   "norm": "INSTANCE_AFFINE", "activation": "LEAKY_RELU", "slope": 0.1, "depthFraction": [2, 3]},
    # MONAI Label's deepedit (--conf network dynunet): the image and 8 guidance maps in, 8 labels out
    "deepedit": {"network": "DynUNet", "in": 9, "out": 8, "args": {
        "spatial_dims": 3, "in_channels": 9, "out_channels": 8, "kernel_size": [3, 3, 3, 3, 3, 3],
        "strides": [1, 2, 2, 2, 2, [2, 2, 1]], "upsample_kernel_size": [2, 2, 2, 2, [2, 2, 1]],
        "norm_name": "instance", "deep_supervision": False, "res_block": True}},
}
WARMUP = 2


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def main(model, config, patch, steps, threads):
    torch.set_num_threads(threads)
    cfg = dict(PRESETS[config]) if config in PRESETS else json.load(open(config))
    cfg["training"] = True  # BatchNorm, if any, on batch statistics
    batch, spatial = int(os.environ.get("BATCH") or cfg.get("batch", 1)), [patch] * cfg.get("dims", 3)
    if "depthFraction" in cfg:
        spatial[0] = patch * cfg["depthFraction"][0] // cfg["depthFraction"][1]
    cfg["inputShape"] = [batch, cfg["in"], *spatial]
    net = monai_network(model, cfg).train()
    parameters = list(net.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(batch, cfg["in"], *spatial, generator=generator)
    label = (torch.rand(batch, 1, *spatial, generator=generator) < 0.5).float()
    torch_oracle.dice_ce(net(x).detach(), label, cfg)  # shapes and labels checked once, untimed

    times, phases, losses = [], {"forward": [], "loss": [], "backward": [], "optimizer": []}, []
    for i in range(WARMUP + steps):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = net(x)
        t1 = time.perf_counter()
        loss = torch_oracle.dice_ce(logits, label, cfg, check=False)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        losses.append(loss.item())
        if i >= WARMUP:
            times.append((t4 - t0) * 1e3)
            for key, dt in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                phases[key].append(dt * 1e3)
    print(json.dumps({
        "median_ms": statistics.median(times),
        "p10_ms": percentile(times, 10),
        "p90_ms": percentile(times, 90),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "steps": times,
        "phase_median_ms": {k: statistics.median(v) for k, v in phases.items()},
        "net": config, "patch": patch, "threads": threads, "parameters": sum(t.numel() for t in parameters),
        "loss_first": losses[0], "loss_last": losses[-1],
    }))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
