"""Report of the training-step benchmark (bench/unet-training): ONNX Runtime from Java against PyTorch eager.

usage: training_report.py DIR
  DIR  holds ort.jsonl (TrainingStepBenchmark's JSON lines) and torch.jsonl (training_torch.py's), one line per run;
       several runs (rounds) of the same net and patch are pooled: the median and p10-p90 are over all their timed
       steps, peak RSS is the largest of the runs, and "rounds" lists each run's median to show the host's drift.
Prints a Markdown table per (net, patch, threads) with the ratio ORT / PyTorch of the medians against the issue's
targets (small <= 0.6, spleen <= 0.9).
"""
import json
import os
import statistics
import sys

import numpy as np

TARGETS = {"small": 0.6, "spleen": 0.9}


def read(path):
    runs = {}
    if not os.path.exists(path):
        return runs
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                runs.setdefault((r["net"], int(r["patch"]), int(r["threads"])), []).append(r)
    return runs


def pooled(runs):
    steps = [t for r in runs for t in r["steps"]]
    return {
        "median": statistics.median(steps),
        "p10": float(np.percentile(steps, 10)),
        "p90": float(np.percentile(steps, 90)),
        "rounds": [r["median_ms"] for r in runs],
        "rss": max(r["peak_rss_mb"] for r in runs),
        "loss": statistics.median(r["loss_first"] for r in runs),
    }


def fmt_ms(ms, unit=None):
    unit = unit or ("s" if ms >= 1000 else "ms")
    return f"{ms / 1000:.2f}" if unit == "s" else f"{ms:.0f}"


def unit(ms):
    return "s" if ms >= 1000 else "ms"


def cell(p):
    u = unit(p["median"])
    return f"{fmt_ms(p['median'], u)} {u} ({fmt_ms(p['p10'], u)}-{fmt_ms(p['p90'], u)})"


def rounds(p):
    u = unit(p["median"])
    return " / ".join(fmt_ms(m, u) for m in p["rounds"]) + f" {u}"


def main(directory):
    ort, torch = read(os.path.join(directory, "ort.jsonl")), read(os.path.join(directory, "torch.jsonl"))
    if not ort:
        sys.exit(f"training_report: no ONNX Runtime results in {directory}/ort.jsonl")
    devices = sorted({r["device"] for runs in ort.values() for r in runs})
    pytorch = "PyTorch eager on the CPU" if torch else "PyTorch not run"
    print(f"Training step, batch 1 (deepgrow2d: 16 slices), DiceCE + Adam (lr 1e-3); ORT on {', '.join(devices)}, {pytorch};"
          " median (p10-p90) of the timed steps of all rounds;"
          " targets of the issue (at 96³): ORT / PyTorch <= 0.6 for small, <= 0.9 for spleen.\n")
    print("| net | patch | threads | ORT (Java) | rounds | PyTorch eager | rounds | ORT / PyTorch | target |"
          " peak RSS ORT | peak RSS PyTorch | graph build | session | first loss ORT / PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(ort, key=lambda k: (list(TARGETS).index(k[0]) if k[0] in TARGETS else 99, k[1], k[2])):
        net, patch, threads = key
        o = pooled(ort[key])
        build = statistics.median(r["build_s"] for r in ort[key])
        session = statistics.median(r["session_s"] for r in ort[key])
        t = pooled(torch[key]) if key in torch else None
        target = TARGETS.get(net)
        if t is None:
            ratio, verdict = "—", "—"
        else:
            r = o["median"] / t["median"]
            ratio = f"{r:.2f}"
            verdict = "—" if target is None else (f"≤ {target}: met" if r <= target else f"≤ {target}: **NOT met**")
        t_cell, t_rounds, t_rss, t_loss = (
            (cell(t), rounds(t), f"{t['rss']:.0f} MB", f"{t['loss']:.4f}") if t else ("—",) * 4)
        size = f"{patch}²" if net == "deepgrow2d" else f"{patch}³"
        print(f"| {net} | {size} | {threads} | **{cell(o)}** | {rounds(o)} | {t_cell} | {t_rounds} | {ratio} |"
              f" {verdict} | {o['rss']:.0f} MB | {t_rss} | {build:.1f} s | {session:.1f} s |"
              f" {o['loss']:.4f} / {t_loss} |")

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
