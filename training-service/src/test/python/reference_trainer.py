"""The reference trainer: MONAI Label's segmentation_spleen training, run by MONAI itself (../shared/oracles) in a plain
PyTorch loop, seeded, so MedLabel's trainer can be compared with it on the same data from the same initial weights.

usage:
  reference_trainer.py DATALIST OUT [--epochs N] [--roi R] [--val-roi V] [--num-samples K] [--val-split S]
                       [--seed SEED] [--threads T] [--lr LR]

DATALIST is a JSON list of {"image": path, "label": path} in datastore order. The reference follows MONAI Label's
radiology app (../shared/design/MONAI-LABEL-API.md §4.1 and sample-apps/radiology/lib/trainers/segmentation_spleen.py):
- network: UNet(3, 1, 2, channels (16, 32, 64, 128, 256), strides (2, 2, 2, 2), num_res_units 2, norm batch), built
  after monai.utils.set_determinism(SEED); its initial state dict is saved as OUT/init.pt before the first step;
- split: partition_datalist = MONAI's partition_dataset(ratios [1 - S, S], shuffle False);
- train transforms: LoadImaged, EnsureChannelFirstd, Orientationd(RAS), Spacingd(1 mm, bilinear/nearest),
  ScaleIntensityRanged(-57..164 -> 0..1, clip), CropForegroundd(source image), then the step MONAI Label's current
  infer adds after the window, ScaleIntensityd(-1..1) (on a clipped window the fixed map 0..1 -> -1..1), so training
  sees what inference serves; RandCropByPosNegLabeld(R³, pos 1, neg 1, num_samples K, image_threshold -1: MONAI
  Label's 0 on the 0..1 window), RandShiftIntensityd(offsets 0.1, prob 0.5);
- a step: one image per batch (train_batch_size 1), its K crops as the batch (list_data_collate), shuffled images;
  DiceCELoss(to_onehot_y, softmax, squared_pred, batch), AdamW(lr LR, weight_decay 1e-5);
- validation: the validation cases with the same deterministic transforms, SlidingWindowInferer(V³, sw_batch_size 1,
  overlap 0.25), argmax, MONAI's DiceMetric(include_background False), mean over cases; also before the first epoch.
Writes OUT/curve.json: [{"epoch", "loss", "val_dice", "train_seconds", "val_seconds"}] (epoch 0: initial weights).
"""
import argparse
import os
import time

import reference_common
import torch
from monai.data import CacheDataset, DataLoader, list_data_collate
from monai.inferers import SlidingWindowInferer
from monai.losses import DiceCELoss
from monai.metrics import DiceMetric
from monai.networks.nets import UNet
from monai.networks.utils import one_hot
from monai.transforms import (
    Compose,
    CropForegroundd,
    EnsureChannelFirstd,
    EnsureTyped,
    LoadImaged,
    Orientationd,
    RandCropByPosNegLabeld,
    RandShiftIntensityd,
    ScaleIntensityRanged,
    Spacingd,
)


def deterministic():
    return [
        LoadImaged(keys=("image", "label")),
        EnsureChannelFirstd(keys=("image", "label")),
        Orientationd(keys=("image", "label"), axcodes="RAS"),
        Spacingd(keys=("image", "label"), pixdim=(1.0, 1.0, 1.0), mode=("bilinear", "nearest")),
        ScaleIntensityRanged(keys="image", a_min=-57, a_max=164, b_min=0.0, b_max=1.0, clip=True),
        CropForegroundd(keys=("image", "label"), source_key="image"),
        ScaleIntensityRanged(keys="image", a_min=0.0, a_max=1.0, b_min=-1.0, b_max=1.0),
        EnsureTyped(keys=("image", "label"), dtype=torch.float32, track_meta=False),
    ]


def main():
    parser = argparse.ArgumentParser()
    reference_common.add_arguments(parser)
    parser.add_argument("--roi", type=int, default=96)
    parser.add_argument("--val-roi", type=int, default=160)
    parser.add_argument("--num-samples", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-4)
    a = parser.parse_args()
    train, val = reference_common.start(a)

    net = UNet(
        spatial_dims=3,
        in_channels=1,
        out_channels=2,
        channels=(16, 32, 64, 128, 256),
        strides=(2, 2, 2, 2),
        num_res_units=2,
        norm="batch",
    )
    torch.save(net.state_dict(), os.path.join(a.out, "init.pt"))

    crops = Compose(
        deterministic()
        + [
            RandCropByPosNegLabeld(
                keys=("image", "label"),
                label_key="label",
                spatial_size=(a.roi,) * 3,
                pos=1,
                neg=1,
                num_samples=a.num_samples,
                image_key="image",
                image_threshold=-1,
            ),
            RandShiftIntensityd(keys="image", offsets=0.1, prob=0.5),
        ]
    )
    crops.set_random_state(seed=a.seed)
    train_loader = DataLoader(
        CacheDataset(train, crops, cache_rate=1.0, num_workers=0, progress=False),
        batch_size=1,
        shuffle=True,
        num_workers=0,
        collate_fn=list_data_collate,
    )
    val_cases = CacheDataset(val, Compose(deterministic()), cache_rate=1.0, num_workers=0, progress=False)
    loss_function = DiceCELoss(to_onehot_y=True, softmax=True, squared_pred=True, batch=True)
    optimizer = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-5)
    inferer = SlidingWindowInferer(roi_size=(a.val_roi,) * 3, sw_batch_size=1, overlap=0.25)

    def validate():
        net.eval()
        metric = DiceMetric(include_background=False, reduction="mean")
        with torch.no_grad():
            for case in val_cases:
                logits = inferer(case["image"][None], net)
                pred = one_hot(torch.argmax(logits, dim=1, keepdim=True), num_classes=2)
                metric(pred, one_hot(case["label"][None].round(), num_classes=2))
        return float(metric.aggregate().item())

    started = time.time()
    curve = [{"epoch": 0, "loss": None, "val_dice": validate(), "train_seconds": 0.0,
              "val_seconds": time.time() - started}]
    for epoch in range(1, a.epochs + 1):
        net.train()
        started = time.time()
        losses = []
        for batch in train_loader:
            optimizer.zero_grad()
            loss = loss_function(net(batch["image"]), batch["label"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        trained = time.time()
        dice = validate()
        reference_common.record(curve, {"epoch": epoch, "loss": sum(losses) / len(losses), "val_dice": dice,
                                        "train_seconds": trained - started, "val_seconds": time.time() - trained})
    reference_common.write(a, curve)


if __name__ == "__main__":
    main()
