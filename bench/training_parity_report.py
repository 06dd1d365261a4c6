#!/usr/bin/env python3
"""The training-parity curves (bench/training-parity's parity.json) as a Markdown table (OUT/parity.md, printed) and,
where matplotlib is installed, a plot (OUT/parity.png).

    python3 bench/training_parity_report.py PARITY.json OUT
"""
import json
import sys


def main():
    rows = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    lines = ["| epoch | MONAI reference: val Dice | MedLabel: val Dice | MONAI s | MedLabel s |",
             "|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %d | %.4f | %.4f | %.1f | %.1f |" % (
            r["epoch"], r["monai_dice"], r["medlabel_dice"], r["monai_seconds"], r["medlabel_seconds"]))
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
    epochs = [r["epoch"] for r in rows]
    plt.figure(figsize=(6, 4))
    plt.plot(epochs, [r["monai_dice"] for r in rows], "o-", label="MONAI Label's trainer (MONAI 1.5, PyTorch)")
    plt.plot(epochs, [r["medlabel_dice"] for r in rows], "s-", label="MedLabel (ONNX Runtime from Java)")
    plt.xlabel("epoch")
    plt.ylabel("validation Dice")
    plt.title("segmentation_spleen, same data and initial weights")
    plt.grid(alpha=0.3)
    plt.legend()
    plt.tight_layout()
    plt.savefig(f"{out}/parity.png", dpi=100)
    print(f"plot: {out}/parity.png")


if __name__ == "__main__":
    main()
