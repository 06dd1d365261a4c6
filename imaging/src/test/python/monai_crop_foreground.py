"""MONAI's CropForeground (MONAI 1.5.0, ../shared/oracles) on a volume: the box it keeps, for the foreground-box
comparison (Region.above, MONAI Label's CropForegroundd after its 0..1 window).

usage: monai_crop_foreground.py INPUT SHAPE FLOOR MARGIN
  INPUT   raw little-endian float32, [C, nz, ny, nx] (x fastest: MedLabel's layout)
  SHAPE   C,nx,ny,nz;  FLOOR the select function's threshold (MONAI's default is x > 0);  MARGIN in voxels
Prints the box as "x0 y0 z0 x1 y1 z1" (start inclusive, end exclusive), MONAI's compute_bounding_box on [C, x, y, z].
"""
import sys

import numpy as np
from monai.transforms import CropForeground


def main(inp, shape, floor, margin):
    c, nx, ny, nz = (int(v) for v in shape.split(","))
    volume = np.fromfile(inp, dtype="<f4").reshape(c, nz, ny, nx).transpose(0, 3, 2, 1)  # -> [C, x, y, z]
    threshold = float(floor)
    crop = CropForeground(select_fn=lambda x: x > threshold, margin=int(margin), allow_smaller=True)
    start, end = crop.compute_bounding_box(np.ascontiguousarray(volume))
    print(*[int(v) for v in start], *[int(v) for v in end])


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
