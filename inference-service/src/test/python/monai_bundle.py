"""A MONAI model-zoo bundle's own inference, run by MONAI (../shared/oracles), for the bundle-import comparison.

usage:
  monai_bundle.py channels MRI OUT
      A 4-channel test image from one MRI (one 4-D NIfTI, as MedLabel takes multi-sequence input): the MRI, its 1.5th
      power, its inversion inside the head (0 outside, as sequences are after skull stripping) and the MRI shifted by
      3 voxels along i, so that the channels differ.
  monai_bundle.py run BUNDLE IMAGE DIR [SEED [CLICKS]]
      Copies BUNDLE's configs to DIR/bundle, crops IMAGE to its central 128 x 128 in-plane voxels (DIR/image.nii.gz,
      keeping CI fast), then with MONAI's ConfigParser on the bundle's configs/inference.*: builds network_def seeded
      (batch-norm statistics drawn at random), saves its state dict as DIR/bundle/models/model.pt (the file MedLabel
      imports), and runs the bundle's own preprocessing, inferer and postprocessing (SaveImaged left out) exactly as its
      evaluator would: labels on the image's grid into DIR/labels.nii.gz. LoadImaged's reader is set to nibabel (the
      oracle has no ITK; both read a NIfTI's voxels and affine the same). Prints JSON: shape, voxels per label, seconds.
      CLICKS (a DeepEdit bundle): JSON {label name: [[i, j, k], ...]} in the cropped image's voxels, given to the
      bundle's click transforms as MONAI Label gives them; the bundle's scripts/ are importable as its configs expect.
      A 4-D IMAGE is given to MONAI as its bundles' datalists give sequences: one file per channel, in order.
"""
import json
import shutil
import sys
import time

import nibabel as nib
import numpy as np
import torch
from monai.bundle import ConfigParser
from monai.transforms import SaveImaged


def crop(image_path, out):
    img = nib.load(image_path)
    nx, ny = img.shape[:2]
    x0, y0 = max(0, (nx - 128) // 2), max(0, (ny - 128) // 2)
    nib.save(img.slicer[x0:x0 + 128, y0:y0 + 128, :], out)


def channels(mri, out):
    img = nib.load(mri)
    x = np.asarray(img.dataobj, dtype=np.float32)
    inverted = np.where(x > 0, x.max() - x, 0)
    stack = np.stack([x, x ** 1.5 / x.max() ** 0.5, inverted, np.roll(x, 3, axis=0)], axis=-1)
    nib.save(nib.Nifti1Image(stack.astype(np.float32), img.affine), out)


def randomise_statistics(net, generator):
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=generator))
            elif name.endswith("running_mean"):
                t.copy_(0.2 * torch.randn(t.shape, generator=generator))


def run(bundle, image_path, directory, seed="3", clicks="{}"):
    torch.set_num_threads(2)
    root = f"{directory}/bundle"
    shutil.copytree(f"{bundle}/configs", f"{root}/configs")
    if __import__("os").path.isdir(f"{bundle}/scripts"):
        shutil.copytree(f"{bundle}/scripts", f"{root}/scripts")
        sys.path.insert(0, root)
    image = f"{directory}/image.nii.gz"
    crop(image_path, image)
    inference = next(f"{root}/configs/{n}" for n in ("inference.json", "inference.yaml", "inference.yml")
                     if __import__("os").path.exists(f"{root}/configs/{n}"))
    parser = ConfigParser()
    parser.read_config(inference)
    parser.read_meta(f"{root}/configs/metadata.json")
    parser["bundle_root"] = root
    transforms = parser["preprocessing"]["transforms"]
    if isinstance(transforms, str):  # "$@preprocessing_transforms + @deepedit_transforms + ..."
        transforms = parser["preprocessing_transforms"]
    for t in transforms:
        if t["_target_"].endswith("LoadImaged") and "reader" in t:
            t["reader"] = "NibabelReader"
    if parser["network_def"]["_target_"].endswith("SwinUNETR"):
        network_def = parser["network_def"]
        network_def.pop("img_size", None)  # published for MONAI <= 1.4; MONAI 1.5 refuses the argument
        parser["network_def"] = network_def
    torch.manual_seed(int(seed))
    net = parser.get_parsed_content("network_def")
    randomise_statistics(net, torch.Generator().manual_seed(int(seed)))
    net.eval()
    __import__("os").makedirs(f"{root}/models", exist_ok=True)
    torch.save(net.state_dict(), f"{root}/models/model.pt")

    pre = parser.get_parsed_content("preprocessing")
    inferer = parser.get_parsed_content("inferer")
    post = parser.get_parsed_content("postprocessing")
    post.transforms = tuple(t for t in post.transforms if not isinstance(t, SaveImaged))
    source = nib.load(image)
    if source.ndim == 4:  # one file per sequence, in channel order, as the bundle's datalist lists them
        files = []
        for c in range(source.shape[3]):
            files.append(f"{directory}/image_c{c}.nii.gz")
            nib.save(nib.Nifti1Image(np.asarray(source.dataobj)[..., c], source.affine), files[-1])
        data = pre({"image": files, **json.loads(clicks)})
    else:
        data = pre({"image": image, **json.loads(clicks)})
    network_input = list(data["image"].shape[1:])
    start = time.time()
    with torch.no_grad():
        data["pred"] = inferer(data["image"][None], net)[0]
    seconds = time.time() - start
    data = post(data)
    labels = np.asarray(data["pred"]).squeeze().astype(np.int16)
    original = nib.load(image)
    if labels.shape != original.shape[:3]:
        raise AssertionError(f"MONAI's labels {labels.shape} are not on the image's grid {original.shape}")
    nib.save(nib.Nifti1Image(labels, original.affine), f"{directory}/labels.nii.gz")
    values, counts = np.unique(labels, return_counts=True)
    print(json.dumps({"shape": list(labels.shape), "network_input": network_input, "voxels": {int(v): int(c) for v, c in zip(values, counts)},
                      "inferer_seconds": round(seconds, 2)}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "channels":
        channels(*sys.argv[2:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "run":
        run(*sys.argv[2:])
    else:
        sys.exit(__doc__)
