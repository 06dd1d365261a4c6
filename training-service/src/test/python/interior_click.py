"""Oracle for MedLabel's DeepEdit click placement: what MONAI's deepedit transforms compute from a region before they
draw a click (monai/apps/deepedit/transforms.py, AddRandomGuidanceDeepEditd.find_guidance and
AddInitialSeedPointMissingLabelsd._apply), with the same scipy and scikit-image calls.

usage: interior_click.py MASK NX NY NZ Z OUT

MASK holds NX*NY*NZ bytes (0/1), x fastest (MedLabel's order). MONAI's arrays are (i, j, k) = (x, y, z) in C order.
OUT gets float64 values, each block in MedLabel's order:
- the chessboard distance_transform_cdt of the 3-D region as find_guidance sees it, shape (1, i, j, k);
- find_guidance's click probabilities over it: exp(d) - 1 on the region's voxels, normalised;
- measure.label of slice k=Z as the initial seed sees it, shape (1, i, j): the region ids, 0 outside;
- the seed's probabilities over region 1 of that slice (exp(d) - 1 of its own distance transform, normalised).
"""
import sys

import numpy as np
from scipy.ndimage import distance_transform_cdt
from skimage import measure


def probabilities(region):
    distance = distance_transform_cdt(region).flatten()
    probability = np.exp(distance) - 1.0
    idx = np.where(region.flatten() > 0)[0]
    out = np.zeros(region.size)
    out[idx] = probability[idx] / np.sum(probability[idx])
    return out.reshape(region.shape)


def java_order(a):
    """A (i, j[, k]) array as x-fastest values."""
    return np.asarray(a, dtype=np.float64).transpose().flatten()


def main():
    mask_path, nx, ny, nz, z, out = sys.argv[1], *map(int, sys.argv[2:6]), sys.argv[6]
    flat = np.fromfile(mask_path, dtype=np.uint8)
    region = flat.reshape(nz, ny, nx).transpose(2, 1, 0).astype(np.float32)  # (i, j, k)
    d3 = distance_transform_cdt(region[np.newaxis])[0]
    p3 = probabilities(region[np.newaxis])[0]
    slice_ = (region[..., z][np.newaxis] > 0.5).astype(np.float32)
    blobs = measure.label(slice_.astype(int), background=0)
    p2 = probabilities((blobs == 1).astype(np.float32))[0]
    np.concatenate([java_order(d3), java_order(p3), java_order(blobs[0]), java_order(p2)]).astype("<f8").tofile(out)


if __name__ == "__main__":
    main()
