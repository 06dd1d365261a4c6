"""Latency of GET /info/ and a label save through the gateway, with or without a bearer token (bench/auth.sh).

Prints p50/p99/mean per call as one JSON line. Keep-alive connection, one client, after a warm-up."""
import argparse
import gzip
import http.client
import io
import json
import statistics
import time
import urllib.parse

import nibabel as nib
import numpy as np


def nifti(array):
    out = io.BytesIO()
    img = nib.Nifti1Image(array, np.diag([1.5, 1.5, 1.5, 1.0]))
    out.write(gzip.compress(img.to_bytes(), 1))
    return out.getvalue()


def multipart(field, name, data):
    boundary = "medlabelbench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"params\"\r\n\r\n{{}}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--user", help="log in as this user (password = user name) through POST /auth/token")
    p.add_argument("--label", default="auth off")
    a = p.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", a.port)
    headers = {}
    if a.user:
        form = urllib.parse.urlencode({"username": a.user, "password": a.user})
        conn.request("POST", "/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
        token = json.loads(conn.getresponse().read())
        headers["Authorization"] = f"{token['token_type']} {token['access_token']}"

    def call(method, path, body=None, content_type=None):
        h = dict(headers)
        if content_type:
            h["Content-Type"] = content_type
        t = time.perf_counter()
        conn.request(method, path, body, h)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"{method} {path}: {r.status}")
        return (time.perf_counter() - t) * 1000

    rng = np.random.default_rng(0)
    image = rng.integers(-100, 200, (32, 32, 32)).astype(np.int16)
    label = (image > 50).astype(np.uint8)
    body, ctype = multipart("file", "bench_auth.nii.gz", nifti(image))
    call("PUT", "/datastore/image?image=bench_auth", body, ctype)
    label_body, label_type = multipart("label", "bench_auth.nii.gz", nifti(label))

    def measure(fn):
        for _ in range(20):
            fn()
        times = sorted(fn() for _ in range(a.n))
        return {"p50": round(statistics.median(times), 2), "p99": round(times[int(0.99 * (len(times) - 1))], 2),
                "mean": round(statistics.fmean(times), 2)}

    info = measure(lambda: call("GET", "/info/"))
    save = measure(lambda: call("PUT", "/datastore/label?image=bench_auth", label_body, label_type))
    print(json.dumps({"mode": a.label, "n": a.n, "info_ms": info, "label_save_ms": save}))


if __name__ == "__main__":
    main()
