"""pydicom + numpy reading a DICOM series into a rescaled volume, the reference for DicomBenchmark.

Usage: python3 bench/dicom_bench.py DIR [ROUNDS]   prints the best and median seconds and MB/s.
"""
import os
import statistics
import sys
import time

import numpy as np
import pydicom

folder = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
size = sum(os.path.getsize(f) for f in files)


def read():
    datasets = [pydicom.dcmread(f) for f in files]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, dtype=float), normal)))
    return np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in datasets])


read()
times = []
for _ in range(rounds):
    t0 = time.perf_counter()
    read()
    times.append(time.perf_counter() - t0)
print(f"pydicom+numpy: {len(files)} files, {size / 1e6:.1f} MB: best {min(times) * 1000:.0f} ms, median "
      f"{statistics.median(times) * 1000:.0f} ms, {size / 1e6 / statistics.median(times):.0f} MB/s")
