"""Measures a running datastore (bench/datastore-scale starts it and fills it) and prints Markdown tables.

usage: datastore_report.py SERVICE_URL N OUT_DIR S3_URL ACCESS_KEY SECRET_KEY BUCKET
Latency: 300 sequential requests per call after 20 warm-up ones, p50/p99 in ms (client-side, keep-alive).
Throughput: a ~100 MB float32 NIfTI, uploaded to and downloaded from the datastore, against raw S3 PUT/GET of the
same bytes with curl --aws-sigv4; best of 3 each.
"""
import hashlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse

import nibabel as nib
import numpy as np


def latency(conn, method, path_fn, runs=300, warmup=20):
    times = []
    for i in range(warmup + runs):
        path = path_fn()
        t = time.perf_counter()
        conn.request(method, path, body=b"{}" if method == "POST" else None,
                     headers={"Content-Type": "application/json"} if method == "POST" else {})
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"{method} {path}: HTTP {r.status}")
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return statistics.median(times), times[int(0.99 * len(times)) - 1]


def best_seconds(cmd, runs=3):
    best = None
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    return best


def main(url, n, out, s3, key, secret, bucket):
    host = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(host.hostname, host.port)
    n = int(n)
    rows = [
        ("`GET /stats`", "GET", lambda: "/stats"),
        ("`GET /view?after=` (page of 100 after a random id)", "GET",
         lambda: f"/view?after=img{random.randrange(0, n - 100):06d}&limit=100"),
        ("`GET /view?offset=` (page of 100 at a random offset)", "GET",
         lambda: f"/view?offset={random.randrange(0, n - 100)}&limit=100"),
        ("`POST /strategies/random/next`", "POST", lambda: "/strategies/random/next"),
        ("`POST /strategies/first/next`", "POST", lambda: "/strategies/first/next"),
    ]
    print(f"Latency at {n:,} images (30 % labeled), 300 sequential requests, client-side:\n")
    print("| call | p50 | p99 |\n|---|---|---|")
    for name, method, path in rows:
        p50, p99 = latency(conn, method, path)
        print(f"| {name} | {p50:.1f} ms | {p99:.1f} ms |")

    volume = os.path.join(out, "big.nii")
    nib.save(nib.Nifti1Image(np.random.rand(300, 300, 290).astype(np.float32), np.eye(4)), volume)
    size_mb = os.path.getsize(volume) / 1e6
    got = os.path.join(out, "got.bin")
    sig = ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{key}:{secret}"]
    unsigned = [*sig, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
    # what S3 SDKs (the MinIO client included) send over plain HTTP: the payload's SHA-256 in the signature
    signed = [*sig, "-H", "x-amz-content-sha256: " + hashlib.sha256(open(volume, "rb").read()).hexdigest()]
    upload = best_seconds(["curl", "-sf", "-X", "PUT", "-F", f"file=@{volume}", f"{url}/images/big"])
    upload_raw = best_seconds(["curl", "-sf", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
                               "--data-binary", f"@{volume}", f"{url}/images/bigraw/file?name=big.nii"])
    download = best_seconds(["curl", "-sf", "-o", got, f"{url}/images/big/file"])
    raw_put = best_seconds(["curl", "-sf", *unsigned, "-T", volume, f"{s3}/{bucket}/bench/raw.nii"])
    raw_put_signed = best_seconds(["curl", "-sf", *signed, "-T", volume, f"{s3}/{bucket}/bench/raw-signed.nii"])
    raw_get = best_seconds(["curl", "-sf", *unsigned, "-o", got, f"{s3}/{bucket}/bench/raw.nii"])
    print(f"\nThroughput, {size_mb:.0f} MB float32 NIfTI, best of 3:\n")
    print("| | datastore (HTTP multipart in, validated, stored) | raw S3, same server | datastore / raw |")
    print("|---|---|---|---|")
    print(f"| upload | {size_mb / upload:.0f} MB/s ({upload:.2f} s) | unsigned payload {size_mb / raw_put:.0f} MB/s"
          f" ({raw_put:.2f} s); signed payload {size_mb / raw_put_signed:.0f} MB/s ({raw_put_signed:.2f} s) |"
          f" {100 * raw_put / upload:.0f} % / {100 * raw_put_signed / upload:.0f} % |")
    print(f"| upload, raw body (`PUT /images/{{id}}/file`) | {size_mb / upload_raw:.0f} MB/s ({upload_raw:.2f} s) |"
          f" (as above) | {100 * raw_put / upload_raw:.0f} % / {100 * raw_put_signed / upload_raw:.0f} % |")
    print(f"| download | {size_mb / download:.0f} MB/s ({download:.2f} s) | {size_mb / raw_get:.0f} MB/s"
          f" ({raw_get:.2f} s) | {100 * raw_get / download:.0f} % |")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
