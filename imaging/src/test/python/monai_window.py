"""MONAI's SlidingWindowInferer (MONAI 1.5.0, ../shared/oracles) on a volume, with a position-dependent "network"
that SlidingWindowTest computes the same way, for the sliding-window comparison.

usage: monai_window.py INPUT OUTPUT SHAPE ROI OVERLAP MODE PAD
  INPUT   raw little-endian float32, [C, nz, ny, nx] (x fastest: MedLabel's layout)
  SHAPE   C,nx,ny,nz;  ROI rx,ry,rz;  OVERLAP e.g. 0.25;  MODE constant | gaussian;  PAD the constant padding value, or "replicate"
  OUTPUT  raw float32 [2, nz, ny, nx]: MONAI's blended prediction of the network
The network, per window of roi voxels (i, j, k its voxel within the window along x, y, z): channel 0 =
x_0 * (1 + i / rx + 2 j / ry + 3 k / rz), channel 1 = x_0 * x_0 + x_last (x_0, x_last: the first and last input channel).
MONAI sees the array as [1, C, x, y, z], so its roi is (rx, ry, rz) along x, y, z as MedLabel's.
"""
import sys

import numpy as np
import torch
from monai.inferers import SlidingWindowInferer


def network(roi):
    rx, ry, rz = roi
    i = torch.arange(rx, dtype=torch.float32).view(rx, 1, 1) / rx
    j = torch.arange(ry, dtype=torch.float32).view(1, ry, 1) / ry
    k = torch.arange(rz, dtype=torch.float32).view(1, 1, rz) / rz
    weight = 1 + i + 2 * j + 3 * k

    def forward(x):  # [B, C, rx, ry, rz]
        first, last = x[:, :1], x[:, -1:]
        return torch.cat([first * weight, first * first + last], dim=1)

    return forward


def main(inp, out, shape, roi, overlap, mode, pad):
    c, nx, ny, nz = (int(v) for v in shape.split(","))
    roi = [int(v) for v in roi.split(",")]
    volume = np.fromfile(inp, dtype="<f4").reshape(c, nz, ny, nx).transpose(0, 3, 2, 1)  # -> [C, x, y, z]
    x = torch.from_numpy(np.ascontiguousarray(volume))[None]
    replicate = pad == "replicate"
    inferer = SlidingWindowInferer(roi_size=roi, sw_batch_size=1, overlap=float(overlap), mode=mode,
                                   padding_mode="replicate" if replicate else "constant",
                                   cval=0.0 if replicate else float(pad))
    with torch.no_grad():
        y = inferer(x, network(roi))[0].numpy()  # [2, x, y, z]
    y.transpose(0, 3, 2, 1).astype("<f4").tofile(out)


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
