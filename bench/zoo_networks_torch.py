"""PyTorch eager timing of the model zoo's networks (MONAI's own classes, ../shared/oracles), for the comparison with
MedLabel's ONNX Runtime graphs (bench/run UNetInferenceBenchmark -p net=wholebody,paediatric,btcv -p form=slices).

usage: python3 bench/zoo_networks_torch.py [PATCH] [RUNS]    (default 96, 6; 2 threads, eval, no grad, after 2 warm-ups)
Prints one line per network: median and min seconds of a [1, 1, PATCH, PATCH, PATCH] forward.
"""
import statistics
import sys
import time

import torch
from monai.networks.nets import DynUNet, SegResNet, SwinUNETR

NETWORKS = {
    "wholebody (SegResNet, 105 out)": lambda: SegResNet(spatial_dims=3, in_channels=1, out_channels=105, init_filters=32,
                                                         blocks_down=[1, 2, 2, 4], blocks_up=[1, 1, 1],
                                                         dropout_prob=0.2),
    "paediatric (DynUNet, 4 out)": lambda: DynUNet(spatial_dims=3, in_channels=1, out_channels=4, kernel_size=[3] * 6,
                                                   strides=[1, 2, 2, 2, 2, [2, 2, 1]],
                                                   upsample_kernel_size=[2, 2, 2, 2, [2, 2, 1]], norm_name="instance",
                                                   deep_supervision=False, res_block=True),
    "btcv (SwinUNETR, feature size 48, 14 out)": lambda: SwinUNETR(in_channels=1, out_channels=14, feature_size=48),
}


def main(patch=96, runs=6):
    torch.set_num_threads(2)
    x = torch.randn(1, 1, int(patch), int(patch), int(patch))
    for name, make in NETWORKS.items():
        torch.manual_seed(0)
        net = make().eval()
        times = []
        with torch.no_grad():
            for i in range(2 + int(runs)):
                start = time.perf_counter()
                net(x)
                if i >= 2:
                    times.append(time.perf_counter() - start)
        print(f"{name}: median {statistics.median(times):.3f} s, min {min(times):.3f} s ({runs} runs, patch {patch})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
