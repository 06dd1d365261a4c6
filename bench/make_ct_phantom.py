#!/usr/bin/env python3
"""A CT-like abdominal phantom for the inference benchmark: int16, 256x256x100 voxels at 1x1x2 mm, RAS affine.

HU-like values: air -1000 outside a body ellipse; soft tissue ~40 HU with Gaussian noise inside it; a spleen-like
ellipsoid ~50 HU on the patient's left, posterior; bone ~700 HU (a vertebral body and a ring of rib segments). The
same seed gives the same bytes (the gzip stream carries no time stamp). Writes OUT (and with --label, the spleen's
label: uint8, 1 = spleen, on the same grid) and nothing else. With --organs the image also has kidneys, a stomach, the
aorta and the inferior vena cava, and the label all seven of MONAI Label's radiology structures in its values (spleen
1, right kidney 2, left kidney 3, liver 6, stomach 7, aorta 8, inferior vena cava 9), so the multi-organ models
(deepedit) have labels that cover them.

    python3 bench/make_ct_phantom.py OUT.nii.gz [--seed 0] [--label LABEL.nii.gz] [--organs]
"""
import argparse
import gzip
import io
import sys

import nibabel as nib
import numpy as np

SHAPE = (256, 256, 100)  # i (x, left -> right), j (y, posterior -> anterior), k (z, inferior -> superior)
SPACING = (1.0, 1.0, 2.0)


# --organs: (label value, HU, centre x y z mm, semi-axes mm) per extra structure, painted after the liver in this order
# (each over what came before); the aorta and the vena cava run the whole volume's length
ORGANS = [
    (2, 150.0, (70.0, -50.0, -20.0), (20.0, 14.0, 35.0)),  # right kidney (patient's right: +x), over the liver's back
    (3, 150.0, (-45.0, -58.0, -25.0), (18.0, 13.0, 35.0)),  # left kidney
    (7, 20.0, (-35.0, 35.0, 25.0), (35.0, 22.0, 30.0)),  # stomach, anterior left
    (8, 200.0, (-12.0, -34.0, 0.0), (9.0, 9.0, 1e9)),  # aorta, left of the midline before the spine
    (9, 150.0, (16.0, -32.0, 0.0), (10.0, 8.0, 1e9)),  # inferior vena cava, right of it
]


def phantom(seed: int, organs: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    nx, ny, nz = SHAPE
    # millimetres from the volume's centre, per axis
    x = (np.arange(nx) - (nx - 1) / 2) * SPACING[0]
    y = (np.arange(ny) - (ny - 1) / 2) * SPACING[1]
    z = (np.arange(nz) - (nz - 1) / 2) * SPACING[2]
    X, Y = np.meshgrid(x, y, indexing="ij")  # in-plane, the same on every slice

    body = (X / 115.0) ** 2 + (Y / 85.0) ** 2 <= 1.0  # 230 x 170 mm trunk
    vol = np.full(SHAPE, -1000.0, dtype=np.float32)
    tissue = 40.0 + rng.normal(0.0, 12.0, size=SHAPE).astype(np.float32)
    vol[body, :] = tissue[body, :]

    # subcutaneous fat: a thin shell just inside the skin
    fat = body & ((X / 105.0) ** 2 + (Y / 75.0) ** 2 > 1.0)
    vol[fat, :] = -90.0 + rng.normal(0.0, 12.0, size=(int(fat.sum()), nz)).astype(np.float32)

    # spleen: RAS, so the patient's left is -x; posterior is -y. Semi-axes 45 x 30 x 50 mm, tilted in-plane.
    cx, cy, cz, a = -65.0, -25.0, 10.0, np.deg2rad(30)
    u = (X - cx) * np.cos(a) + (Y - cy) * np.sin(a)
    v = -(X - cx) * np.sin(a) + (Y - cy) * np.cos(a)
    Z = z - cz
    spleen = ((u / 45.0) ** 2 + (v / 30.0) ** 2)[:, :, None] + (Z[None, None, :] / 50.0) ** 2 <= 1.0
    spleen &= body[:, :, None]
    vol[spleen] = 50.0 + rng.normal(0.0, 10.0, size=int(spleen.sum())).astype(np.float32)

    # a liver-like block on the patient's right (60 HU), so the spleen is not the only organ
    liver = (((X - 55.0) / 55.0) ** 2 + ((Y + 5.0) / 50.0) ** 2)[:, :, None] + (Z[None, None, :] / 70.0) ** 2 <= 1.0
    liver &= body[:, :, None]
    vol[liver] = 60.0 + rng.normal(0.0, 10.0, size=int(liver.sum())).astype(np.float32)
    structures = np.where(liver, 6, 0).astype(np.uint8)
    structures[spleen] = 1
    if organs:
        for value, hu, (ox, oy, oz), (ax, ay, az) in ORGANS:
            mask = (((X - ox) / ax) ** 2 + ((Y - oy) / ay) ** 2)[:, :, None] + ((z - oz) / az)[None, None, :] ** 2 <= 1
            mask &= body[:, :, None]
            vol[mask] = hu + rng.normal(0.0, 10.0, size=int(mask.sum())).astype(np.float32)
            structures[mask] = value

    # bone: vertebral body (posterior midline) and rib segments on a ring, on every slice
    bone = ((X / 18.0) ** 2 + ((Y + 55.0) / 15.0) ** 2 <= 1.0)
    ring = ((X / 100.0) ** 2 + (Y / 70.0) ** 2 <= 1.0) & ((X / 92.0) ** 2 + (Y / 62.0) ** 2 > 1.0)
    angle = np.degrees(np.arctan2(Y, X))
    ribs = ring & ((angle % 30.0) < 12.0) & (Y < 40.0)
    bone3 = np.repeat((bone | ribs)[:, :, None], nz, axis=2)
    # ribs come and go along z; the spine does not
    rib_slices = (np.arange(nz) % 10) < 6
    bone3 &= np.repeat(bone[:, :, None], nz, axis=2) | rib_slices[None, None, :]
    vol[bone3] = 700.0 + rng.normal(0.0, 40.0, size=int(bone3.sum())).astype(np.float32)

    label = np.where(bone3, 0, structures) if organs else (spleen & ~bone3).astype(np.uint8)
    return np.clip(np.rint(vol), -1024, 3071).astype(np.int16), label


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="output file (.nii.gz or .nii)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", help="also write the spleen label here (.nii.gz or .nii)")
    parser.add_argument("--organs", action="store_true", help="seven structures in the image and the label")
    args = parser.parse_args()

    data, label = phantom(args.seed, args.organs)
    raw = save(data, args.out)
    print(f"{args.out}: int16 {SHAPE[0]}x{SHAPE[1]}x{SHAPE[2]} at {SPACING[0]:g}x{SPACING[1]:g}x{SPACING[2]:g} mm, "
          f"HU {int(data.min())}..{int(data.max())}, {len(raw)} bytes", file=sys.stderr)
    if args.label:
        raw = save(label, args.label)
        counts = {int(v): int((label == v).sum()) for v in np.unique(label) if v}
        print(f"{args.label}: uint8 label, voxels per value {counts}, {len(raw)} bytes", file=sys.stderr)
    return 0


def save(data: np.ndarray, out: str) -> bytes:
    affine = np.diag([SPACING[0], SPACING[1], SPACING[2], 1.0])
    affine[:3, 3] = [-(n - 1) / 2 * s for n, s in zip(SHAPE, SPACING)]  # centred on the world origin
    img = nib.Nifti1Image(data, affine)
    img.header.set_xyzt_units("mm", "sec")
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    raw = img.to_bytes()
    if out.endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0, filename="") as gz:
            gz.write(raw)
        raw = buf.getvalue()
    with open(out, "wb") as f:
        f.write(raw)
    return raw


if __name__ == "__main__":
    sys.exit(main())
