"""The DeepEdit reference trainer: MONAI's own spleen_deepedit_annotation bundle (../shared/bundles, configs/train.json)
run by MONAI itself (../shared/oracles), seeded, so MedLabel's DeepEdit training can be compared with it on the same
data from the same initial weights.

usage:
  reference_deepedit_trainer.py BUNDLE DATALIST OUT [--epochs N] [--size S] [--val-split F] [--seed SEED]
                                [--threads T]

The bundle's train.json is parsed with MONAI's ConfigParser and its parts used as they are: the train and validation
transforms (its random flips, rotations and intensity shift, Resized, initial seed clicks and guidance signals), the
click transforms, DynUNet, DiceCELoss, Adam and its StepLR. Its engines (SupervisedTrainer and SupervisedEvaluator
with MONAI's deepedit Interaction) need pytorch-ignite, which is not installed here, so this loop does what they do,
following monai/apps/deepedit/interaction.py: with probability deepgrow_probability_train (validation:
deepgrow_probability_val) one corrective round (max_interactions 1: the network in eval mode predicts, the click
transforms add clicks at probability 1), otherwise the guidance channels are zeroed; then the step (network in train
mode, loss, backward, Adam) or, in validation, the prediction scored. Overrides:
- the data: DATALIST (a JSON list of {"image", "label"}) split as MONAI Label does, partition_dataset(ratios
  [1 - F, F], shuffle False), instead of the bundle's Task09 glob; batches of 1, shuffled, as the bundle's loader;
- spatial_size S³ (the bundle's 128³ unless --size), N epochs, the CPU without amp, the NIfTI reader instead of ITK
  (not installed here);
- validation also before the first epoch, scored by MONAI's DiceMetric(include_background False) on the argmax
  ("val_dice"), and as the bundle's key metric (its postprocessing, MeanDice with the background: "val_mean_dice").
Before the first step the network's initial state dict is saved as OUT/init.pt. Writes OUT/curve.json: [{"epoch",
"loss", "val_dice", "val_mean_dice", "train_seconds", "val_seconds"}] (epoch 0: the initial weights).
"""
import argparse
import os
import sys
import time

import numpy as np
import reference_common
import torch
from monai.bundle import ConfigParser
from monai.data import CacheDataset, DataLoader, decollate_batch, list_data_collate
from monai.metrics import DiceMetric
from monai.networks.utils import one_hot


def interact(batch, network, click_transforms, probability):
    """monai.apps.deepedit.interaction.Interaction.__call__ with max_interactions 1 (the bundle's), before the step."""
    if np.random.choice([True, False], p=[probability, 1 - probability]):
        network.eval()
        with torch.no_grad():
            batch["pred"] = network(batch["image"])
        items = decollate_batch(batch, detach=True)
        for i in range(len(items)):
            items[i]["probability"] = 1.0  # the first round: 1 - j / max_interactions with j = 0, or 1.0 in validation
            items[i] = click_transforms(items[i])
        return list_data_collate(items)
    items = decollate_batch(batch, detach=True)
    for i in range(1, len(items[0]["image"])):
        items[0]["image"][i] *= 0
    return list_data_collate(items)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle")
    reference_common.add_arguments(parser)
    parser.add_argument("--size", type=int, default=128)
    a = parser.parse_args()
    train, val = reference_common.start(a)
    sys.path.insert(0, a.bundle)  # the bundle's own "scripts" package, which its config imports

    config = ConfigParser()
    config.read_config(os.path.join(a.bundle, "configs", "train.json"))
    config["imports"] = [i for i in config["imports"] if "ignite" not in i]
    config["bundle_root"] = a.bundle
    config["spatial_size"] = [a.size] * 3
    config["device"] = "$torch.device('cpu')"
    config["train#preprocessing_transforms#0#reader"] = "NibabelReader"
    network = config.get_parsed_content("network")
    torch.save(network.state_dict(), os.path.join(a.out, "init.pt"))
    loss_function = config.get_parsed_content("loss")
    optimizer = config.get_parsed_content("optimizer")
    scheduler = config.get_parsed_content("lr_scheduler")
    click_transforms = config.get_parsed_content("train#click_transforms")
    postprocessing = config.get_parsed_content("train#postprocessing")
    train_probability = config.get_parsed_content("deepgrow_probability_train")
    val_probability = config.get_parsed_content("deepgrow_probability_val")
    label_count = len(config.get_parsed_content("label_names"))

    train_loader = DataLoader(
        CacheDataset(train, config.get_parsed_content("train#preprocessing"), cache_rate=1.0, num_workers=0,
                     progress=False),
        batch_size=1, shuffle=True, num_workers=0)
    val_loader = DataLoader(
        CacheDataset(val, config.get_parsed_content("validate#preprocessing"), cache_rate=1.0, num_workers=0,
                     progress=False),
        batch_size=1, shuffle=False, num_workers=0)

    def validate():
        foreground = DiceMetric(include_background=False, reduction="mean")
        key_metric = DiceMetric(include_background=True, reduction="mean")  # MONAI's MeanDice handler default
        for batch in val_loader:
            batch = interact(batch, network, click_transforms, val_probability)
            network.eval()
            with torch.no_grad():
                batch["pred"] = network(batch["image"])
            pred = torch.argmax(batch["pred"], dim=1, keepdim=True)
            foreground(one_hot(pred, label_count), one_hot(batch["label"].round(), label_count))
            items = [postprocessing(item) for item in decollate_batch(batch)]
            key_metric([i["pred"] for i in items], [i["label"] for i in items])
        return float(foreground.aggregate().item()), float(key_metric.aggregate().item())

    started = time.time()
    dice, mean_dice = validate()
    curve = []
    reference_common.record(curve, {"epoch": 0, "loss": None, "val_dice": dice, "val_mean_dice": mean_dice,
                                    "train_seconds": 0.0, "val_seconds": time.time() - started})
    for epoch in range(1, a.epochs + 1):
        started = time.time()
        losses = []
        for batch in train_loader:
            batch = interact(batch, network, click_transforms, train_probability)
            network.train()
            optimizer.zero_grad()
            loss = loss_function(network(batch["image"]), batch["label"])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()  # the bundle's LrScheduleHandler: once per epoch
        trained = time.time()
        dice, mean_dice = validate()
        reference_common.record(curve, {"epoch": epoch, "loss": sum(losses) / len(losses), "val_dice": dice,
                                        "val_mean_dice": mean_dice, "train_seconds": trained - started,
                                        "val_seconds": time.time() - trained})
    reference_common.write(a, curve)


if __name__ == "__main__":
    main()
