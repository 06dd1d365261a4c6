"""MONAI's own guidance signal (monai.apps.deepgrow.transforms.AddGuidanceSignald, MONAI 1.5.0 from ../shared/oracles)
for GuidanceMapTest.

usage: monai_guidance.py OUT.raw NX NY NZ SIGMA X,Y,Z[;X,Y,Z...] [X,Y,Z...]
  one argument per guidance channel ("-" for a channel without clicks); MONAI's signal channels, written as
  little-endian float64 [channel, z, y, x] (x fastest). The image is [1, NX, NY, NZ], so a click (x, y, z) indexes it
  as MONAI indexes its last three axes.
"""
import sys

import numpy as np
from monai.apps.deepgrow.transforms import AddGuidanceSignald


def main(out, nx, ny, nz, sigma, *channels):
    image = np.zeros((1, int(nx), int(ny), int(nz)), dtype=np.float32)
    guidance = []
    for clicks in channels:
        points = [] if clicks == "-" else [[float(v) for v in c.split(",")] for c in clicks.split(";")]
        guidance.append(points)
    signal = AddGuidanceSignald(sigma=float(sigma))({"image": image, "guidance": guidance})["image"][1:]
    np.asarray(signal).transpose(0, 3, 2, 1).astype("<f8").tofile(out)


if __name__ == "__main__":
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
