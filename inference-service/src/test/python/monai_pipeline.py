"""MONAI Label's segmentation_spleen pipeline, run by MONAI itself (../shared/oracles), for the pipeline comparison.

usage:
  monai_pipeline.py spleen IMAGE DIR [SEED]
      MONAI's UNet with MONAI Label's spleen settings, seeded, every parameter and batch-norm statistic drawn at random
      and the last layer's bias shifted so that the network splits the image's voxels about evenly (a random network
      otherwise calls nearly everything one class, which would prove nothing); saves its state dict as DIR/model.pt,
      then runs MONAI Label's pipeline (lib/infers/segmentation_spleen.py with BasicInferTask's order: pre-transforms,
      SlidingWindowInferer(160³, sw_batch_size 1, overlap 0.25), every invertible pre-transform inverted on the raw
      prediction, then Activationsd(softmax), AsDiscreted(argmax), KeepLargestConnectedComponentd) and writes the labels
      on the image's own grid to DIR/labels.nii.gz (uint8, the image's affine). Prints JSON: shape, foreground voxels,
      seconds of the inferer.
  monai_pipeline.py segmentation IMAGE DIR [SEED]
      MONAI Label's multi-organ model (../shared/design/MONAI-LABEL-API.md §4.2): MONAI's SegResNet with the radiology
      app's arguments (26 channels, init_filters 32, blocks (1,2,2,4)/(1,1,1), dropout 0.2), seeded, the final
      convolution's biases shifted so that every channel wins somewhere in a central crop; saves DIR/model.pt, then runs
      lib/infers/segmentation.py's order: Orientationd(RAS), Spacingd(1.5 mm), NormalizeIntensityd(nonzero),
      GaussianSmoothd(0.4), ScaleIntensityd(-1..1), SlidingWindowInferer(96³, sw_batch_size 2, overlap 0.4, replicate,
      gaussian), every invertible pre-transform inverted on the logits, softmax, argmax; writes the channel indices to
      DIR/labels.nii.gz.
  monai_pipeline.py crop IMAGE OUT X0 X1 Y0 Y1
      IMAGE's voxels [X0:X1, Y0:Y1, :] with the affine moved to them (nibabel's slicer), saved as OUT.
  monai_pipeline.py reorient IMAGE OUT CODES
      IMAGE reoriented to axis codes CODES (e.g. LPS) by nibabel, voxels exact, saved as OUT.
  monai_pipeline.py checkpoint NETWORK ARGS OUT
      monai.networks.nets.NETWORK(**ARGS) (ARGS as JSON), seeded, saved as MONAI Label saves weights: torch.save of
      {"model": state dict} to OUT.pt, and torch.jit.script of it to OUT.ts.
"""
import copy
import json
import sys
import time

import nibabel as nib
import numpy as np
import torch
from monai.inferers import SlidingWindowInferer
from monai.networks.nets import UNet
from monai.transforms import (
    Activationsd,
    AsDiscreted,
    EnsureChannelFirstd,
    EnsureTyped,
    KeepLargestConnectedComponentd,
    LoadImaged,
    Orientationd,
    ScaleIntensityd,
    ScaleIntensityRanged,
    Spacingd,
)
from monai.transforms.inverse import InvertibleTransform

PRE = [
    LoadImaged(keys="image"),
    EnsureTyped(keys="image"),
    EnsureChannelFirstd(keys="image"),
    Orientationd(keys="image", axcodes="RAS"),
    Spacingd(keys="image", pixdim=(1.0, 1.0, 1.0), allow_missing_keys=True),
    ScaleIntensityRanged(keys="image", a_min=-57, a_max=164, b_min=0.0, b_max=1.0, clip=True),
    ScaleIntensityd(keys="image", minv=-1.0, maxv=1.0),
]
POST = [
    EnsureTyped(keys="pred"),
    Activationsd(keys="pred", softmax=True),
    AsDiscreted(keys="pred", argmax=True),
    KeepLargestConnectedComponentd(keys="pred"),
]


def network(seed):
    torch.manual_seed(seed)
    net = UNet(spatial_dims=3, in_channels=1, out_channels=2, channels=[16, 32, 64, 128, 256], strides=[2, 2, 2, 2],
               num_res_units=2, norm="batch")
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g))
            elif name.endswith("running_mean") or ".adn.N." in name:
                t.copy_(0.2 * torch.randn(t.shape, generator=g))
    return net.eval()


def balance(net, image):
    """Shifts channel 1's final bias so that the logit margin's median over a central 96³ crop is 0."""
    c = [s // 2 for s in image.shape[1:]]
    crop = image[None, :, c[0] - 48:c[0] + 48, c[1] - 48:c[1] + 48, c[2] - 48:c[2] + 48]
    with torch.no_grad():
        y = net(torch.as_tensor(crop))
        margin = (y[0, 1] - y[0, 0]).median()
        net.state_dict()["model.2.1.conv.unit0.conv.bias"][1] -= margin


def spleen(image_path, directory, seed="3"):
    torch.set_num_threads(2)
    net = network(int(seed))
    data = {"image": image_path}
    for t in PRE:
        data = t(data)
    balance(net, data["image"])
    torch.save(net.state_dict(), f"{directory}/model.pt")
    start = time.time()
    with torch.no_grad():
        pred = SlidingWindowInferer(roi_size=[160, 160, 160], sw_batch_size=1, overlap=0.25)(
            data["image"][None], net)[0]
    seconds = time.time() - start
    data["pred"] = pred
    # BasicInferTask.run_invert_transforms with inverse_transforms() == []: every invertible pre-transform, last first
    d = copy.deepcopy(dict(data))
    d["image"] = data["pred"]
    for t in reversed(PRE):
        if isinstance(t, InvertibleTransform):
            d = t.inverse(d)
    data["pred"] = d["image"]
    for t in POST:
        data = t(data)
    labels = np.asarray(data["pred"][0]).astype(np.uint8)
    original = nib.load(image_path)
    if labels.shape != original.shape[:3]:
        raise AssertionError(f"MONAI's labels {labels.shape} are not on the image's grid {original.shape}")
    nib.save(nib.Nifti1Image(labels, original.affine), f"{directory}/labels.nii.gz")
    print(json.dumps({"shape": list(labels.shape), "foreground": int(labels.sum()), "inferer_seconds": seconds}))


def segmentation(image_path, directory, seed="5"):
    from monai.networks.nets import SegResNet
    from monai.transforms import GaussianSmoothd, NormalizeIntensityd

    torch.set_num_threads(2)
    torch.manual_seed(int(seed))
    net = SegResNet(spatial_dims=3, in_channels=1, out_channels=26, init_filters=32, blocks_down=(1, 2, 2, 4),
                    blocks_up=(1, 1, 1), dropout_prob=0.2).eval()
    pre = [
        LoadImaged(keys="image"),
        EnsureTyped(keys="image"),
        EnsureChannelFirstd(keys="image"),
        Orientationd(keys="image", axcodes="RAS"),
        Spacingd(keys="image", pixdim=(1.5, 1.5, 1.5), allow_missing_keys=True),
        NormalizeIntensityd(keys="image", nonzero=True),
        GaussianSmoothd(keys="image", sigma=0.4),
        ScaleIntensityd(keys="image", minv=-1.0, maxv=1.0),
    ]
    data = {"image": image_path}
    for t in pre:
        data = t(data)
    image = data["image"]
    c = [s // 2 for s in image.shape[1:]]
    crop = image[None, :, c[0] - 48:c[0] + 48, c[1] - 48:c[1] + 48, c[2] - 48:c[2] + 48]
    with torch.no_grad():
        y = net(torch.as_tensor(crop))[0]
        net.state_dict()["conv_final.2.conv.bias"] -= y.flatten(1).median(dim=1).values
    torch.save(net.state_dict(), f"{directory}/model.pt")
    start = time.time()
    with torch.no_grad():
        pred = SlidingWindowInferer(roi_size=[96, 96, 96], sw_batch_size=2, overlap=0.4, padding_mode="replicate",
                                    mode="gaussian")(image[None], net)[0]
    seconds = time.time() - start
    d = copy.deepcopy(dict(data))
    d["image"] = pred
    for t in reversed(pre):
        if isinstance(t, InvertibleTransform):
            d = t.inverse(d)
    labels = torch.softmax(torch.as_tensor(d["image"]), 0).argmax(0)
    labels = np.asarray(labels).astype(np.uint8)
    original = nib.load(image_path)
    if labels.shape != original.shape[:3]:
        raise AssertionError(f"MONAI's labels {labels.shape} are not on the image's grid {original.shape}")
    nib.save(nib.Nifti1Image(labels, original.affine), f"{directory}/labels.nii.gz")
    print(json.dumps({"shape": list(labels.shape), "labels": int(len(np.unique(labels))), "inferer_seconds": seconds}))


def crop(image_path, out, x0, x1, y0, y1):
    nib.save(nib.load(image_path).slicer[int(x0):int(x1), int(y0):int(y1), :], out)


def reorient(image_path, out, codes):
    img = nib.load(image_path)
    target = nib.orientations.axcodes2ornt(tuple(codes))
    transform = nib.orientations.ornt_transform(nib.orientations.io_orientation(img.affine), target)
    nib.save(img.as_reoriented(transform), out)


def checkpoint(network_name, args, out):
    from monai.networks import nets
    torch.manual_seed(0)
    net = getattr(nets, network_name)(**json.loads(args)).eval()
    torch.save({"model": net.state_dict()}, f"{out}.pt")
    torch.jit.save(torch.jit.script(net), f"{out}.ts")


if __name__ == "__main__":
    commands = {
        "spleen": spleen,
        "segmentation": segmentation,
        "crop": crop,
        "reorient": reorient,
        "checkpoint": checkpoint,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
