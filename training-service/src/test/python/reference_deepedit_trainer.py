"""The DeepEdit reference trainer: MONAI's own spleen_deepedit_annotation bundle (../shared/bundles, configs/train.json)
run by MONAI itself (../shared/oracles), seeded, so MedLabel's DeepEdit training can be compared with it on the same
data from the same initial weights.

usage:
  reference_deepedit_trainer.py BUNDLE DATALIST OUT [--epochs N] [--size S] [--val-split F] [--seed SEED]
                                [--threads T]

The bundle's train.json is parsed with MONAI's ConfigParser and run as it is (its transforms, DynUNet, DiceCELoss, Adam,
SupervisedTrainer with its Interaction: clicks with probability deepgrow_probability_train, one corrective round;
validation with deepgrow_probability_val), with only these overrides:
- the data: DATALIST (a JSON list of {"image", "label"}) split as MONAI Label does, partition_dataset(ratios
  [1 - F, F], shuffle False), instead of the bundle's Task09 glob;
- spatial_size S³ (the bundle's 128³ unless --size), epochs N, device cpu, amp off (a CPU run), the NIfTI reader
  instead of ITK (not installed here), datasets cached without worker processes, no TensorBoard or checkpoint files;
- validation also before the first epoch (val_at_start), and MONAI's DiceMetric(include_background False) on the same
  predictions beside the bundle's key metric (whose MeanDice counts the background).
Before the first step the network's initial state dict is saved as OUT/init.pt. Writes OUT/curve.json: [{"epoch",
"loss", "val_dice" (foreground), "val_mean_dice" (the bundle's key metric), "seconds"}] (epoch 0: the initial weights).
"""
import argparse
import json
import os
import sys
import time

import torch
from monai.bundle import ConfigParser
from monai.data import partition_dataset
from monai.engines import Events
from monai.handlers import MeanDice, from_engine
from monai.utils import set_determinism


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle")
    parser.add_argument("datalist")
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--val-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    set_determinism(seed=a.seed)
    sys.path.insert(0, a.bundle)  # the bundle's own "scripts" package, which its config imports

    with open(a.datalist) as f:
        datalist = json.load(f)
    train, val = partition_dataset(datalist, ratios=[1 - a.val_split, a.val_split], shuffle=False)
    if not val:
        val = train

    config = ConfigParser()
    config.read_config(os.path.join(a.bundle, "configs", "train.json"))
    config["bundle_root"] = a.bundle
    config["output_dir"] = a.out
    config["ckpt_dir"] = a.out
    config["epochs"] = a.epochs
    config["spatial_size"] = [a.size] * 3
    config["device"] = "$torch.device('cpu')"
    config["val_at_start"] = True
    config["train#trainer#amp"] = False
    config["validate#evaluator#amp"] = False
    config["train#preprocessing_transforms#0#reader"] = "NibabelReader"
    for part, cases in (("train", train), ("validate", val)):
        config[f"{part}#dataset#data"] = cases
        config[f"{part}#dataset#num_workers"] = 0
    # StatsHandler only; no TensorBoard event files, no checkpoint files
    config["train#handlers"] = [h for h in config["train#handlers"] if "TensorBoard" not in h["_target_"]]
    config["validate#handlers"] = [
        h for h in config["validate#handlers"] if h["_target_"] not in ("TensorBoardStatsHandler", "CheckpointSaver")
    ]
    config["validate#evaluator#additional_metrics"] = {
        "val_dice": MeanDice(include_background=False, output_transform=from_engine(["pred", "label"]))
    }

    network = config.get_parsed_content("network")
    torch.save(network.state_dict(), os.path.join(a.out, "init.pt"))
    trainer = config.get_parsed_content("train#trainer")
    evaluator = config.get_parsed_content("validate#evaluator")

    curve = []
    clock = {"started": time.time()}
    losses = []

    @trainer.on(Events.EPOCH_STARTED)
    def _started(engine):
        clock["started"] = time.time()
        losses.clear()

    @trainer.on(Events.ITERATION_COMPLETED)
    def _step(engine):
        losses.append(engine.state.output[0]["loss"].item())

    @evaluator.on(Events.EPOCH_COMPLETED)
    def _validated(engine):
        epoch = len(curve)
        loss = sum(losses) / len(losses) if epoch and losses else None
        curve.append({
            "epoch": epoch,
            "loss": loss,
            "val_dice": float(engine.state.metrics["val_dice"]),
            "val_mean_dice": float(engine.state.metrics["val_mean_dice"]),
            "seconds": time.time() - clock["started"],
        })
        print(json.dumps(curve[-1]), flush=True)
        clock["started"] = time.time()

    trainer.run()
    with open(os.path.join(a.out, "curve.json"), "w") as f:
        json.dump(curve, f, indent=1)


if __name__ == "__main__":
    main()
