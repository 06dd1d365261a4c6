"""PyTorch side of the UNet inference benchmark, and the report.

usage: unet_report.py MODEL JMH_JSON [PATCH...]
  MODEL     the spleen UNet MedLabel built (UNetModels writes it): PyTorch runs the same network with the same weights,
            as MONAI's own UNet class (ml/src/test/python/monai_nets.py), eagerly, on 2 threads
  JMH_JSON  JMH's JSON result of UNetInferenceBenchmark
Prints a Markdown table: ms per patch (median of 10 after 3 warm-up runs), GFLOP/s, fraction of the SGEMM peak.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ml", "src", "test", "python"))
from monai_nets import monai_network  # noqa: E402

SPLEEN = {"network": "UNet", "in": 1, "out": 2, "channels": [16, 32, 64, 128, 256], "strides": [2, 2, 2, 2],
          "residualUnits": 2, "norm": "INSTANCE", "activation": "PRELU", "slope": 0.25, "inputShape": [1, 1, 96, 96, 96]}


def conv_flops(net, patch):
    """2 x multiply-adds of every convolution and transposed convolution (what a dense kernel must do)."""
    total = [0]
    conv3d, conv_t3d = F.conv3d, F.conv_transpose3d

    def counting_conv(x, w, *a, **k):
        y = conv3d(x, w, *a, **k)
        total[0] += 2 * y.numel() * w.shape[1] * w[0, 0].numel()
        return y

    def counting_conv_t(x, w, *a, **k):
        total[0] += 2 * x.numel() * w.shape[1] * w[0, 0].numel()
        return conv_t3d(x, w, *a, **k)

    F.conv3d, F.conv_transpose3d = counting_conv, counting_conv_t
    try:
        with torch.inference_mode():
            net(torch.zeros(1, 1, patch, patch, patch))
    finally:
        F.conv3d, F.conv_transpose3d = conv3d, conv_t3d
    return total[0]


def time_ms(fn, warmup=3, runs=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def sgemm_gflops(n=4096):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    best_numpy = min(time_ms(lambda: a @ b, 1, 1) for _ in range(5))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    best_torch = min(time_ms(lambda: ta @ tb, 1, 1) for _ in range(5))
    return 2 * n ** 3 / (best_numpy * 1e6), 2 * n ** 3 / (best_torch * 1e6)


def main(model, jmh_json, patches):
    torch.set_num_threads(2)
    net = monai_network(model, SPLEEN).eval()
    peak_numpy, peak_torch = sgemm_gflops()
    peak = max(peak_numpy, peak_torch)
    jmh = {}
    for r in json.load(open(jmh_json)):
        p = r["params"]
        jmh[(int(p["patch"]), p["form"])] = statistics.median(r["primaryMetric"]["rawData"][0])
    print(f"SGEMM 4096² on 2 threads: numpy (OpenBLAS) {peak_numpy:.0f} GFLOP/s, torch (MKL) {peak_torch:.0f} GFLOP/s;"
          f" peak = {peak:.0f}\n")
    print("| patch | conv GFLOP | PyTorch eager | ORT, as built | ORT, optimised | ORT, depth slices (CPU) |"
          " speed-up vs PyTorch | best GFLOP/s | of SGEMM peak |")
    print("|---|---|---|---|---|---|---|---|---|")
    for patch in patches:
        flops = conv_flops(net, patch)
        x = torch.randn(1, 1, patch, patch, patch)
        with torch.inference_mode():
            eager = time_ms(lambda: net(x))
        standard, optimised = jmh.get((patch, "standard")), jmh.get((patch, "optimised"))
        sliced = jmh.get((patch, "slices"))
        best = min(t for t in (optimised, sliced) if t is not None)
        rate = flops / (best * 1e6)
        print(f"| {patch}³ | {flops / 1e9:.2f} | {eager:.0f} ms | {standard:.0f} ms | {optimised:.0f} ms |"
              f" {'—' if sliced is None else f'{sliced:.0f} ms'} | {eager / best:.2f}x | {rate:.0f} |"
              f" {100 * rate / peak:.0f} % |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]] or [96, 128, 160])
