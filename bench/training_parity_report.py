#!/usr/bin/env python3
"""The training-parity curves (bench/training-parity's parity.json) as Markdown (OUT/parity.md, printed): validation
Dice and seconds per epoch for MONAI's reference trainer, MedLabel with MONAI Label's recipe and, when measured,
MedLabel's opt-in step per crop; then the time to quality: the seconds (epochs' training and validation, summed) each
took to first reach each Dice level. Where matplotlib is installed, the curves are plotted (OUT/parity.png).

    python3 bench/training_parity_report.py PARITY.json OUT
"""
import json
import sys

CURVES = [("monai", "MONAI's reference (MONAI 1.5, PyTorch)"),
          ("medlabel", "MedLabel, MONAI Label's recipe"),
          ("per_crop", "MedLabel, crops_per_step 1 (opt-in)")]
LEVELS = [0.3, 0.5, 0.6, 0.7, 0.8, 0.9]


def main():
    rows = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    curves = [(key, name) for key, name in CURVES if f"{key}_dice" in rows[0]]
    head = "| epoch | " + " | ".join(f"{name}: Dice, s" for _, name in curves) + " |"
    lines = [head, "|---:|" + "---:|" * len(curves)]
    for r in rows:
        lines.append(f"| {r['epoch']} | " + " | ".join(
            "%.4f, %.1f" % (r[f"{key}_dice"], r[f"{key}_seconds"]) for key, _ in curves) + " |")
    lines += ["", "time to quality (s, from the first epoch's start; - = not reached):", "",
              "| Dice ≥ | " + " | ".join(name for _, name in curves) + " | MedLabel / MONAI |",
              "|---:|" + "---:|" * (len(curves) + 1)]
    for level in LEVELS:
        times = [reach(rows, key, level) for key, _ in curves]
        ratio = " / ".join("%.2f" % (t / times[0]) if t is not None and times[0] else "-" for t in times[1:])
        lines.append(f"| {level} | " + " | ".join("-" if t is None else "%.0f" % t for t in times) + f" | {ratio} |")
    table = "\n".join(lines) + "\n"
    open(f"{out}/parity.md", "w").write(table)
    print(table)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    fig, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(11, 4))
    for (key, name), marker in zip(curves, "osd"):
        dice = [r[f"{key}_dice"] for r in rows]
        by_epoch.plot([r["epoch"] for r in rows], dice, marker + "-", label=name)
        by_time.plot(elapsed(rows, key), dice, marker + "-", label=name)
    by_epoch.set_xlabel("epoch")
    by_time.set_xlabel("seconds (training + validation)")
    for ax in (by_epoch, by_time):
        ax.set_ylabel("validation Dice")
        ax.grid(alpha=0.3)
    by_epoch.legend(fontsize=8)
    fig.suptitle("segmentation_spleen from the same initial weights on the same data")
    fig.tight_layout()
    fig.savefig(f"{out}/parity.png", dpi=90)
    print(f"plot: {out}/parity.png")


def elapsed(rows, key):
    total, out = 0.0, []
    for r in rows:
        total += r[f"{key}_seconds"] if r["epoch"] > 0 else 0.0
        out.append(total)
    return out


def reach(rows, key, level):
    for r, t in zip(rows, elapsed(rows, key)):
        if r[f"{key}_dice"] >= level:
            return t
    return None


if __name__ == "__main__":
    main()
