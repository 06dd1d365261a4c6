"""What both reference trainers share: their common arguments, the seeded start with MONAI Label's split of the
datalist, and the curve they write (OUT/curve.json)."""
import json
import os

import torch
from monai.data import partition_dataset
from monai.utils import set_determinism


def add_arguments(parser):
    """DATALIST OUT [--epochs N] [--val-split F] [--seed SEED] [--threads T]."""
    parser.add_argument("datalist")
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--val-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)


def start(a):
    """Threads, OUT, MONAI's set_determinism(SEED); the datalist split as MONAI Label's partition_datalist splits it
    (partition_dataset(ratios [1 - F, F], shuffle False); too few cases: validation on the training ones)."""
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    set_determinism(seed=a.seed)
    with open(a.datalist) as f:
        datalist = json.load(f)
    train, val = partition_dataset(datalist, ratios=[1 - a.val_split, a.val_split], shuffle=False)
    return train, val or train


def record(curve, entry):
    """Appends an epoch's entry to the curve and prints it as a JSON line."""
    curve.append(entry)
    print(json.dumps(entry), flush=True)


def write(a, curve):
    with open(os.path.join(a.out, "curve.json"), "w") as f:
        json.dump(curve, f, indent=1)
