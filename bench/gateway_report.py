#!/usr/bin/env python3
"""Helper of bench/gateway-latency: prints (and writes DIR/report.md) the tables of /info/ latency, idle and under
inference load, and the gateway's overhead on /infer.

    gateway_report.py DIR
"""
import glob
import os
import statistics
import sys

from inference_report import machine, percentile, read_jsonl

MONAI_INFO_MS = 2.3
MONAI_INFO_BUSY = "4.9-5.9 s (blocked)"


def ms_row(label, values, reference):
    ok = [v * 1000 for v in values]
    return (f"| {label} | {len(ok)} | {statistics.median(ok):.1f} | {percentile(ok, 95):.1f} | "
            f"{percentile(ok, 99):.1f} | {max(ok):.1f} | {reference} |")


def pairs(what, service, rows):
    """Pairs of the same request through the gateway and to the service directly; the difference is the gateway's."""
    gw = [r["curl_s"] for r in rows if r["route"] == "gateway"]
    direct = [r["curl_s"] for r in rows if r["route"] == "direct"]
    if not gw or not direct:
        return []
    diffs = [(g - x) * 1000 for g, x in zip(gw, direct)]
    size = statistics.median(r["bytes"] for r in rows)
    return ["", f"| {what} | runs | median ms | min ms | max ms |", "|---|---|---|---|---|",
            f"| through the gateway | {len(gw)} | {statistics.median(gw) * 1000:.1f} | {min(gw) * 1000:.1f} | "
            f"{max(gw) * 1000:.1f} |",
            f"| to {service} | {len(direct)} | {statistics.median(direct) * 1000:.1f} | {min(direct) * 1000:.1f} | "
            f"{max(direct) * 1000:.1f} |",
            "",
            f"Gateway overhead per pair (gateway - direct): median {statistics.median(diffs):.1f} ms "
            f"(min {min(diffs):.1f}, max {max(diffs):.1f}); answer {size / 1e6:.2f} MB."]


def main() -> int:
    d = sys.argv[1]
    info = read_jsonl(os.path.join(d, "info.jsonl"))
    infer = read_jsonl(os.path.join(d, "infer.jsonl"))
    failed = [p for p in info if p["http"] != 200]
    loads = []
    for meta in glob.glob(os.path.join(d, "load", "*.meta")):
        with open(meta) as f:
            fields = f.read().split()
        if len(fields) >= 2:
            loads.append((int(fields[0]), float(fields[1])))
    lines = [f"Machine: {machine()}", "",
             "| GET /info/ | polls | median ms | p95 ms | p99 ms | max ms | MONAI Label |",
             "|---|---|---|---|---|---|---|"]
    for phase, reference in (("idle", f"{MONAI_INFO_MS} ms"), ("busy", MONAI_INFO_BUSY)):
        values = [p["curl_s"] for p in info if p["phase"] == phase and p["http"] == 200]
        if values:
            lines.append(ms_row(f"{phase} (two inferences running)" if phase == "busy" else phase, values, reference))
    lines.append(f"\nNon-200 /info/ answers: {len(failed)}. Inferences during the busy phase: {len(loads)} "
                 f"({sum(1 for c, _ in loads if c == 200)} answered 200).")
    lines += pairs("POST /infer/segmentation_spleen (output=all)", "the inference service", infer)
    lines += pairs("GET the 256x256x100 image", "the datastore", read_jsonl(os.path.join(d, "download.jsonl")))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
