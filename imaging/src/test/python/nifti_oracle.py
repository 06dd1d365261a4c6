"""Test oracle for the imaging module: what nibabel sees in a NIfTI file, as JSON on stdout.

usage: nifti_oracle.py PATH [VOLUME_INDEX [canonical]]

With "canonical", the image is first reoriented to RAS with nibabel's as_closest_canonical.

Voxel values are digested as little-endian float64 in Fortran order (x fastest), the order MedLabel's volumes use,
so the Java side can compare every voxel exactly by hashing its own values the same way.
"""
import hashlib
import json
import sys

import nibabel as nib
import numpy as np


def describe(path, index, canonical=False):
    img = nib.load(path)
    if canonical:
        img = nib.as_closest_canonical(img)
    data = np.asanyarray(img.dataobj)
    if data.ndim == 4:
        data = data[..., index]
    while data.ndim < 3:
        data = data[..., np.newaxis]
    hdr = img.header
    values = np.asarray(data, dtype="<f8")
    return {
        "shape": [int(s) for s in data.shape[:3]],
        "affine": img.affine.tolist(),
        "qform": img.get_qform().tolist(),
        "qform_code": int(hdr["qform_code"]),
        "sform_code": int(hdr["sform_code"]),
        "dtype": str(img.get_data_dtype()),
        "scaled": bool(data.dtype != img.get_data_dtype()),
        "sha256": hashlib.sha256(values.tobytes(order="F")).hexdigest(),
        "sum": float(values.sum()),
        "min": float(values.min()),
        "max": float(values.max()),
    }


if __name__ == "__main__":
    index = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    print(json.dumps(describe(sys.argv[1], index, len(sys.argv) > 3 and sys.argv[3] == "canonical")))
