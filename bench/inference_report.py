#!/usr/bin/env python3
"""Helper of bench/inference-latency: records one inference response as a JSON line, and prints the Markdown report.

    inference_report.py record JSONL --phase P --image I --http CODE --curl-s SECONDS --body FILE [--click i,j,k]
        parses the response body (MONAI Label's multipart of output=all: the 'params' part is the result JSON, the
        'image' part the label file; or the bare JSON of output=json), appends one line to JSONL and exits 1 (printing
        the body) when the answer is not a 200 with latencies
    inference_report.py models URL
        exits 0 when GET URL (the inference service's /models) lists every model with a version; prints the versions
    inference_report.py report DIR [--runs N]
        reads DIR/spleen.jsonl, deepgrow.jsonl, deepgrow2d.jsonl, health.jsonl, load.jsonl (and DIR/load/*) and prints
        the tables with the issue's targets; also writes DIR/report.md
"""
import argparse
import glob
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import urllib.request

STAGES = ["pre", "infer", "invert", "post", "write", "total"]
SPLEEN_WARM_TARGET_S = 2.0
DEEPGROW_RATIO_TARGET = 1.2
HEALTH_P99_TARGET_MS = 50.0


# ----------------------------------------------------------------------------------------------------------- parsing
def parse_body(body: bytes):
    """(result JSON, label bytes or None) of an /infer answer; raises ValueError when it is neither shape."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        return json.loads(stripped.decode("utf-8")), None
    if not body.startswith(b"--"):
        raise ValueError("neither JSON nor multipart")
    boundary = body[: body.index(b"\r\n")]
    parts = {}
    for chunk in body.split(boundary)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, data = chunk.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        m = re.search(rb'name="([^"]*)"', head)
        if m:
            parts[m.group(1).decode()] = data
    if "params" not in parts:
        raise ValueError("multipart without a 'params' part")
    return json.loads(parts["params"].decode("utf-8")), parts.get("image")


def record(args) -> int:
    with open(args.body, "rb") as f:
        body = f.read()
    line = {"phase": args.phase, "image": args.image, "http": int(args.http), "curl_s": float(args.curl_s)}
    if args.click:
        line["click"] = [int(c) for c in args.click.split(",")]
    ok = line["http"] == 200
    try:
        result, label = parse_body(body)
        line["latencies"] = {k: result.get("latencies", {}).get(k) for k in STAGES}
        line["model"] = result.get("model")
        line["model_version"] = result.get("model_version")
        line["label_bytes"] = None if label is None else len(label)
        ok = ok and "latencies" in result
    except (ValueError, UnicodeDecodeError) as e:
        line["error"] = f"unparseable answer: {e}"
        ok = False
    if not ok:
        line.setdefault("error", "request failed")
        line["body"] = body[:2000].decode("utf-8", "replace")
    with open(args.jsonl, "a") as f:
        f.write(json.dumps(line) + "\n")
    if not ok:
        print(f"inference request failed: HTTP {line['http']} after {line['curl_s']:.2f} s; answer:\n"
              f"{line['body']}", file=sys.stderr)
        return 1
    lat = line["latencies"]
    print(f"  {args.phase:<8} {args.image:<8} {line['curl_s']:7.2f} s end-to-end; server: "
          + " ".join(f"{k} {lat[k]}" for k in STAGES)
          + (f"; label {line['label_bytes']} bytes" if line["label_bytes"] is not None else ""))
    return 0


def models(args) -> int:
    try:
        with urllib.request.urlopen(args.url, timeout=5) as r:
            info = json.load(r)
    except (OSError, ValueError) as e:
        print(f"/models not answering yet ({e})")
        return 1
    versions = {name: m.get("version") for name, m in info.get("models", {}).items()}
    print(" ".join(f"{n}={v}" for n, v in versions.items()))
    return 0 if versions and all(v is not None for v in versions.values()) else 1


# ----------------------------------------------------------------------------------------------------------- report
def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def percentile(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def cell(values, unit="s", digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f} {unit}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f}) {unit}"


def verdict(ok):
    return "met" if ok else "**NOT met**"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    try:
        java = subprocess.run([os.environ.get("JAVA", "java"), "-version"], capture_output=True, text=True,
                              timeout=30).stderr.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        java = "java: unknown"
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem}, {java}"


def load_results(directory):
    """The inferences that kept the service busy during the health phase (DIR/load/*.meta + *.body)."""
    out = []
    for meta in sorted(glob.glob(os.path.join(directory, "load", "*.meta"))):
        with open(meta) as f:
            fields = f.read().split()
        if len(fields) < 2:
            continue
        body_path = meta[:-5] + ".body"
        entry = {"http": int(fields[0]), "curl_s": float(fields[1])}
        try:
            with open(body_path, "rb") as f:
                result, _ = parse_body(f.read())
            entry["latencies"] = result.get("latencies", {})
        except (OSError, ValueError, UnicodeDecodeError):
            entry["latencies"] = {}
        out.append(entry)
    return out


def deepgrow_table(model, rows, say) -> bool:
    """The repeated-clicks table of one DeepGrow model; True when its target is missed."""
    first = [r for r in rows if r["phase"] == "first" and "latencies" in r]
    clicks = [r for r in rows if r["phase"] == "click" and "latencies" in r]
    if not (clicks or first):
        return False
    failed = False
    say(f"### {model}, repeated clicks on the head CT (`output=json`)")
    say("")
    say("A foreground click that moves by a few voxels each time. Ratio = end-to-end / the service's `infer` "
        "stage of the same click (the network's own time); median over the clicks (min-max). The first click "
        "(the network's first run in this process when MedLabel was started by the script) is shown "
        "apart and not counted.")
    say("")
    say(f"| clicks | first click end-to-end | end-to-end | server total | pre | infer | invert | post | "
        f"end-to-end / infer | server total / infer | target (≤ {DEEPGROW_RATIO_TARGET}x) |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    if clicks:
        ratio = [r["curl_s"] / r["latencies"]["infer"] for r in clicks if r["latencies"].get("infer")]
        sratio = [r["latencies"]["total"] / r["latencies"]["infer"] for r in clicks
                  if r["latencies"].get("infer")]
        ok = bool(ratio) and statistics.median(ratio) <= DEEPGROW_RATIO_TARGET
        failed = not ok
        target = f"{statistics.median(ratio):.2f}x: {verdict(ok)}" if ratio else verdict(False)
        lat = {k: [r["latencies"].get(k) for r in clicks] for k in STAGES}
        say(f"| {len(clicks)} | {cell([r['curl_s'] for r in first])} | **{cell([r['curl_s'] for r in clicks])}** | "
            f"{cell(lat['total'])} | {cell(lat['pre'])} | {cell(lat['infer'])} | {cell(lat['invert'])} | "
            f"{cell(lat['post'])} | **{cell(ratio, 'x')}** | {cell(sratio, 'x')} | {target} |")
    say("")
    return failed


def report(args) -> int:
    d = args.dir
    spleen = read_jsonl(os.path.join(d, "spleen.jsonl"))
    deepgrow = read_jsonl(os.path.join(d, "deepgrow.jsonl"))
    deepgrow2d = read_jsonl(os.path.join(d, "deepgrow2d.jsonl"))
    health = read_jsonl(os.path.join(d, "health.jsonl"))
    lines = []
    say = lines.append
    say(f"Machine: {machine()}.")
    versions = sorted({(r.get("model"), r.get("model_version")) for r in spleen + deepgrow + deepgrow2d
                       if r.get("model")})
    if versions:
        say("Model versions: " + ", ".join(f"{m} v{v}" for m, v in versions) + ".")
    say("")

    # spleen
    say("### segmentation_spleen, `output=all` (request in, label out)")
    say("")
    say("End-to-end = curl's `time_total`; the stages are the service's own `latencies` (s). Cold: the first request "
        "for that image id (volume not in the decoded-volume cache; for the first image also the model's first run "
        "after start). Median (min-max).")
    say("")
    say("| image | cache | n | end-to-end | server total | pre | infer | invert | post | write | target (warm ≤ "
        f"{SPLEEN_WARM_TARGET_S:.1f} s) |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    images = []
    for r in spleen:
        if r["image"] not in images:
            images.append(r["image"])
    failed = False
    for image in images:
        for phase in ("cold", "warm"):
            rows = [r for r in spleen if r["image"] == image and r["phase"] == phase and "latencies" in r]
            if not rows:
                continue
            e2e = [r["curl_s"] for r in rows]
            lat = {k: [r["latencies"].get(k) for r in rows] for k in STAGES}
            target = "—"
            if phase == "warm":
                ok = statistics.median(e2e) <= SPLEEN_WARM_TARGET_S
                failed |= not ok
                target = f"{statistics.median(e2e):.2f} s: {verdict(ok)}"
            say(f"| {image} | {phase} | {len(rows)} | **{cell(e2e)}** | {cell(lat['total'])} | {cell(lat['pre'])} | "
                f"{cell(lat['infer'])} | {cell(lat['invert'])} | {cell(lat['post'])} | {cell(lat['write'])} | "
                f"{target} |")
    say("")

    for model, rows in (("deepgrow_3d", deepgrow), ("deepgrow_2d", deepgrow2d)):
        failed |= deepgrow_table(model, rows, say)

    # health
    if health:
        ms = [h["curl_s"] * 1000 for h in health]
        bad = [h for h in health if h["http"] != 200]
        loaded = [h for h in health if h.get("in_flight", 0) >= 2]
        p99 = percentile(ms, 99)
        ok = p99 <= HEALTH_P99_TARGET_MS and not bad
        failed |= not ok
        say(f"### `{health[0].get('path', '/q/health/live')}` while two spleen inferences run")
        say("")
        say("Two background loops each send `segmentation_spleen` requests (output=all) back to back for the whole "
            "phase; each poll is a new curl (new connection), one after the other; nearest-rank percentiles.")
        say("")
        say(f"| polls | with both loads running | non-200 | p50 | p99 | max | target (p99 ≤ {HEALTH_P99_TARGET_MS:.0f} ms) |")
        say("|---|---|---|---|---|---|---|")
        say(f"| {len(ms)} | {len(loaded)} | {len(bad)} | {percentile(ms, 50):.1f} ms | **{p99:.1f} ms** | "
            f"{max(ms):.1f} ms | {p99:.1f} ms: {verdict(ok)} |")
        load = load_results(d)
        if load:
            done = [x for x in load if x["http"] == 200]
            say("")
            say(f"Load meanwhile: {len(load)} spleen requests ({len(done)} answered 200, the rest "
                f"{sorted({x['http'] for x in load if x['http'] != 200}) or 'none'}); end-to-end "
                f"{cell([x['curl_s'] for x in done])}, server total "
                f"{cell([x['latencies'].get('total') for x in done])} (the difference is the queue: one worker).")
        say("")

    say("All targets met." if not failed else "Some targets are NOT met (see above).")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write(text + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("jsonl")
    r.add_argument("--phase", required=True)
    r.add_argument("--image", required=True)
    r.add_argument("--http", required=True)
    r.add_argument("--curl-s", required=True)
    r.add_argument("--body", required=True)
    r.add_argument("--click")
    m = sub.add_parser("models")
    m.add_argument("url")
    p = sub.add_parser("report")
    p.add_argument("dir")
    args = parser.parse_args()
    return {"record": record, "models": models, "report": report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
