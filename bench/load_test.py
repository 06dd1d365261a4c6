#!/usr/bin/env python3
"""Helper of bench/load-test: simulated annotators against the gateway, then the report.

Each annotator loops as 3D Slicer's MONAI Label module does, with a fresh connection per request (as its client):
next sample (POST /activelearning/random), download the image, auto-segment it (POST /infer, output=all), think,
save the result as the final label (PUT /datastore/label), refresh /info/, and every third round poll /train/.
A 503 with Retry-After is load shedding: the annotator waits as told and retries (counted as shed, not as an error);
an answer that stays >= 500 after MAX_TRIES, a 5xx without Retry-After, or a broken connection is an error.

    load_test.py run GATEWAY_URL OUT_DIR --annotators 20 --seconds 180 --think 3
    load_test.py report OUT_DIR PIDS_DIR            # PIDS_DIR: the launcher's run/ (service PIDs for peak memory)
"""
import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

from inference_report import machine, percentile

MAX_TRIES = 5
BOUNDARY = "----------lImIt_of_THE_fIle_eW_$"  # the Python client's fixed boundary
SERVICES = ("gateway", "datastore", "inference", "training")


def multipart(fields, files):
    out = bytearray()
    for name, value in fields.items():
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, (filename, data) in files.items():
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{BOUNDARY}--\r\n\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={BOUNDARY}"


def file_part(content_type, body):
    """The file of a multipart answer (output=all): the part with a file name."""
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    for part in body.split(b"--" + boundary):
        head, _, data = part.partition(b"\r\n\r\n")
        if b"filename=" in head:
            return data[:-2] if data.endswith(b"\r\n") else data
    raise ValueError("no file part in the answer")


class Annotator(threading.Thread):
    def __init__(self, n, gateway, deadline, think, log):
        super().__init__(daemon=True)
        self.name = f"annotator-{n}"
        self.url = urllib.parse.urlsplit(gateway)
        self.deadline = deadline
        self.think = think
        self.log = log
        self.random = random.Random(n)
        self.rounds = 0

    def call(self, endpoint, method, path, body=None, content_type=None):
        """One logical request: retried after a 503's Retry-After; every try is recorded."""
        for attempt in range(1, MAX_TRIES + 1):
            started = time.time()
            status, headers, data, error = None, {}, b"", None
            try:
                conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=300)
                conn.request(method, path, body=body, headers={"Content-Type": content_type} if content_type else {})
                response = conn.getresponse()
                status, headers, data = response.status, dict(response.getheaders()), response.read()
                conn.close()
            except OSError as e:
                error = f"{type(e).__name__}: {e}"
            seconds = time.time() - started
            retry_after = headers.get("Retry-After") or headers.get("retry-after")
            shed = status == 503 and retry_after is not None
            record = {"annotator": self.name, "endpoint": endpoint, "status": status, "seconds": seconds,
                      "t": started, "attempt": attempt, "shed": shed}
            if error or (status >= 500 and not shed):
                record["error"] = error or data[:300].decode(errors="replace")
            self.log(record)
            if shed and attempt < MAX_TRIES and time.time() < self.deadline:
                time.sleep(float(retry_after))
                continue
            return status, headers, data
        return status, headers, data

    def run(self):
        client = json.dumps({"client_id": self.name})
        while time.time() < self.deadline:
            status, _, data = self.call("POST /activelearning/random", "POST", "/activelearning/random", client.encode(),
                                        "application/json")
            if status != 200:
                time.sleep(self.think)
                continue
            image = json.loads(data).get("id")
            if image is None:  # MONAI Label's answer when every image is labelled: {}
                self.log({"annotator": self.name, "endpoint": "nothing left to label", "status": None, "seconds": 0,
                          "t": time.time(), "attempt": 1, "shed": False})
                time.sleep(self.think)
                continue
            quoted = urllib.parse.quote_plus(image)
            self.call("GET /datastore/image", "GET", f"/datastore/image?image={quoted}")
            body, ctype = multipart({"params": "{}"}, {})
            status, headers, data = self.call("POST /infer/segmentation_spleen", "POST",
                                              f"/infer/segmentation_spleen?image={quoted}&output=all", body, ctype)
            time.sleep(self.random.uniform(0.5, 1.5) * self.think)  # the annotator looks and corrects
            if status == 200:
                label = file_part(headers.get("Content-Type") or headers.get("content-type"), data)
                params = json.dumps({"label_info": [{"name": "spleen", "idx": 1}], "model": "segmentation_spleen",
                                     "client_id": self.name})
                body, ctype = multipart({"params": params}, {"label": (f"{image}.nii.gz", label)})
                self.call("PUT /datastore/label", "PUT", f"/datastore/label?image={quoted}&tag=final", body, ctype)
            self.call("GET /info/", "GET", "/info/")
            if self.rounds % 3 == 0:
                self.call("GET /train/", "GET", "/train/")
            self.rounds += 1


def run(args):
    os.makedirs(args.out, exist_ok=True)
    lock = threading.Lock()
    sink = open(os.path.join(args.out, "requests.jsonl"), "w")

    def log(record):
        with lock:
            sink.write(json.dumps(record) + "\n")

    started = time.time()
    deadline = started + args.seconds
    annotators = [Annotator(n, args.gateway, deadline, args.think, log) for n in range(args.annotators)]
    for a in annotators:
        a.start()
        time.sleep(args.ramp / max(1, args.annotators))  # annotators arrive over the ramp, not in one burst
    for a in annotators:
        a.join(args.seconds + 600)
    sink.close()
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump({"annotators": args.annotators, "seconds": time.time() - started, "think": args.think,
                   "ramp": args.ramp, "rounds": sum(a.rounds for a in annotators)}, f)


def peak_rss_mb(pid):
    """VmHWM: the process's peak resident memory since it started."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def report(args):
    run_info = json.load(open(os.path.join(args.out, "run.json")))
    rows = [json.loads(line) for line in open(os.path.join(args.out, "requests.jsonl"))]
    lines = [f"Machine: {machine()}",
             f"Load: {run_info['annotators']} annotators for {run_info['seconds']:.0f} s (think {run_info['think']} s, "
             f"ramp {run_info['ramp']} s); {run_info['rounds']} rounds (next, download, infer, save, info) completed, "
             f"{run_info['rounds'] / run_info['seconds'] * 60:.1f} per minute; {len(rows)} requests, "
             f"{len(rows) / run_info['seconds']:.1f} per second.", "",
             "| endpoint | requests | 2xx | 4xx | shed (503 + Retry-After) | errors | median ms | p95 ms | p99 ms | "
             "max ms |", "|---|---|---|---|---|---|---|---|---|---|"]
    errors = []
    for endpoint in sorted({r["endpoint"] for r in rows}):
        mine = [r for r in rows if r["endpoint"] == endpoint]
        ok = [r["seconds"] * 1000 for r in mine if r["status"] and 200 <= r["status"] < 300]
        four = sum(1 for r in mine if r["status"] and 400 <= r["status"] < 500)
        shed = sum(1 for r in mine if r["shed"])
        failed = [r for r in mine if "error" in r]
        errors += failed
        stats = (f"{statistics.median(ok):.0f} | {percentile(ok, 95):.0f} | {percentile(ok, 99):.0f} | {max(ok):.0f}"
                 if ok else "- | - | - | -")
        lines.append(f"| {endpoint} | {len(mine)} | {len(ok)} | {four} | {shed} | {len(failed)} | {stats} |")
    lines += ["", "Latencies are of the answered (2xx) requests; a shed request's retry is a request of its own.", "",
              f"Errors (>= 500 without Retry-After, or broken connections): **{len(errors)}** (target 0)."]
    for e in errors[:10]:
        lines.append(f"- {e['endpoint']} -> {e['status']}: {e['error']}")
    lines += ["", "| service | peak resident memory (VmHWM) |", "|---|---|"]
    for service in SERVICES:
        pid_file = os.path.join(args.pids, f"{service}.pid")
        try:
            mb = peak_rss_mb(int(open(pid_file).read().strip()))
            lines.append(f"| {service} | {mb:.0f} MB |")
        except (OSError, ValueError):
            lines.append(f"| {service} | not running |")
    text = "\n".join(lines) + "\n"
    open(os.path.join(args.out, "report.md"), "w").write(text)
    print(text)
    return 1 if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("gateway")
    r.add_argument("out")
    r.add_argument("--annotators", type=int, default=20)
    r.add_argument("--seconds", type=float, default=180)
    r.add_argument("--think", type=float, default=3.0)
    r.add_argument("--ramp", type=float, default=10.0)
    p = sub.add_parser("report")
    p.add_argument("out")
    p.add_argument("pids")
    args = parser.parse_args()
    if args.command == "run":
        run(args)
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
