"""Test oracle for the imaging transforms: scipy.ndimage computes the same result from the same input.

usage:
  ndimage_oracle.py resample SRC.nii OUT.raw ORDER NX NY NZ SRC_AFFINE(12) TARGET_AFFINE(12)
      map the target grid into the source's voxel space and interpolate (order 0 or 1, border values beyond)
  ndimage_oracle.py largest SRC.nii OUT.raw CONNECTIVITY
      keep, for each label value, its largest connected component (1 = faces, 3 = faces, edges and corners)
  ndimage_oracle.py resize SRC.nii OUT.raw MODE NX NY NZ
      resize to NX x NY x NZ: "linear" = scipy.ndimage.zoom(order=1, grid_mode=True, mode="nearest") (torch's
      trilinear with align_corners=False), "area" = adaptive average pooling
  ndimage_oracle.py smooth SRC.nii OUT.raw SIGMA
      MONAI's GaussianSmooth(sigma) (MONAI 1.5.0, ../shared/oracles), on the volume as one channel
  ndimage_oracle.py stats SRC.nii OUT.raw NONZERO
      z-score normalisation (population std over all voxels, or the non-zero ones); prints label centroids as JSON

The input voxels come from the NIfTI file (its affine is ignored: the caller passes the exact affines); the result is
written as little-endian float64, x fastest.
"""
import json
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage


def affine(values):
    m = np.eye(4)
    m[:3, :] = np.asarray(values, dtype=np.float64).reshape(3, 4)
    return m


def resample(src, out, order, nx, ny, nz, src_affine, target_affine):
    data = np.asanyarray(nib.load(src).dataobj).astype(np.float64)
    mapping = np.linalg.inv(affine(src_affine)) @ affine(target_affine)
    grid = np.indices((nx, ny, nz)).reshape(3, -1).astype(np.float64)
    coords = mapping[:3, :3] @ grid + mapping[:3, 3:4]
    result = ndimage.map_coordinates(data, coords, order=order, mode="nearest", prefilter=False)
    result.reshape(nx, ny, nz).flatten(order="F").astype("<f8").tofile(out)


def largest(src, out, connectivity):
    data = np.asanyarray(nib.load(src).dataobj)
    structure = ndimage.generate_binary_structure(3, connectivity)
    result = np.zeros_like(data)
    for value in np.unique(data):
        if value == 0:
            continue
        components, count = ndimage.label(data == value, structure=structure)
        sizes = np.bincount(components.ravel())
        sizes[0] = 0
        result[components == np.argmax(sizes)] = value
    result.flatten(order="F").astype("<f8").tofile(out)


def resize(src, out, mode, shape):
    data = np.asanyarray(nib.load(src).dataobj).astype(np.float64)
    if mode == "linear":
        zoom = [o / i for o, i in zip(shape, data.shape)]
        result = ndimage.zoom(data, zoom, order=1, grid_mode=True, mode="nearest", prefilter=False)
        assert result.shape == tuple(shape), result.shape
    else:
        result = data
        for axis, m in enumerate(shape):
            n = result.shape[axis]
            pieces = []
            for i in range(m):
                start, end = (i * n) // m, -((-(i + 1) * n) // m)
                pieces.append(np.take(result, range(start, end), axis=axis).mean(axis=axis, keepdims=True))
            result = np.concatenate(pieces, axis=axis)
    result.flatten(order="F").astype("<f8").tofile(out)


def smooth(src, out, sigma):
    import torch
    from monai.transforms import GaussianSmooth

    data = np.asanyarray(nib.load(src).dataobj).astype(np.float32)
    result = GaussianSmooth(sigma=sigma)(torch.as_tensor(data)[None])[0]
    np.asarray(result, dtype=np.float64).flatten(order="F").astype("<f8").tofile(out)


def stats(src, out, nonzero):
    data = np.asanyarray(nib.load(src).dataobj).astype(np.float64)
    mask = data != 0 if nonzero else np.ones(data.shape, bool)
    mean, std = data[mask].mean(), data[mask].std()
    result = np.where(mask, (data - mean) / (std if std > 0 else 1.0), 0.0)
    result.flatten(order="F").astype("<f8").tofile(out)
    labels = data.astype(np.int64)
    values = [int(v) for v in np.unique(labels) if v != 0]
    centres = ndimage.center_of_mass(np.ones(labels.shape), labels, values)
    print(json.dumps({str(v): list(c) for v, c in zip(values, centres)}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "resample":
        numbers = [float(a) for a in args[6:]]
        resample(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), int(args[5]), numbers[:12], numbers[12:])
    elif command == "largest":
        largest(args[0], args[1], int(args[2]))
    elif command == "resize":
        resize(args[0], args[1], args[2], (int(args[3]), int(args[4]), int(args[5])))
    elif command == "smooth":
        smooth(args[0], args[1], float(args[2]))
    elif command == "stats":
        stats(args[0], args[1], args[2] == "true")
    else:
        sys.exit("unknown command " + command)
