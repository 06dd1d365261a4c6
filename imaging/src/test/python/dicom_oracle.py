"""pydicom as the oracle for MedLabel's DICOM reader.

  dicom_oracle.py describe FILE...            JSON: the series' shape (x, y, z), SHA-256 of the rescaled voxels as
                                              little-endian float64 with x fastest (slices sorted by position along
                                              the normal), min/max, SOPInstanceUIDs in that order
  dicom_oracle.py convert SYNTAX DIR FILE...  rewrites each file in another transfer syntax (implicit, big, deflated)
  dicom_oracle.py multiframe OUT FILE...      one multi-frame instance (per-frame PlanePosition, shared orientation
                                              and pixel measures) holding the series' slices
  dicom_oracle.py seg FILE                    JSON of a DICOM SEG as pydicom decodes it: frames, set pixels per segment,
                                              and the label map on its own grid (frames' planes sorted along the
                                              normal, segment number where a frame's bit is set) as SHA-256 and shape
  dicom_oracle.py testfile NAME               the path of one of pydicom's bundled test files
"""
import copy
import hashlib
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian,
                         generate_uid)


def read(f):
    d = pydicom.dcmread(f)
    for tag in [t for t in d.keys() if t.group == 0]:  # brain_001.dcm's trailing zero padding parses as (0000,0000)
        del d[tag]
    return d


def sorted_series(files):
    datasets = [read(f) for f in files]
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    datasets.sort(key=lambda d: float(np.dot(np.array(d.ImagePositionPatient, dtype=float), normal)))
    return datasets


def describe(files):
    datasets = [read(f) for f in files]
    if len(datasets) == 1 and int(getattr(datasets[0], "NumberOfFrames", 1) or 1) > 1:
        volume = datasets[0].pixel_array.astype(np.float64)  # frames in file order
        uids = [datasets[0].SOPInstanceUID]
    else:
        datasets = sorted_series(files)
        slices = []
        for d in datasets:
            slope = float(getattr(d, "RescaleSlope", 1) or 1)
            intercept = float(getattr(d, "RescaleIntercept", 0) or 0)
            slices.append(d.pixel_array.astype(np.float64) * slope + intercept)
        volume = np.stack(slices)  # (z, y, x): C order is x fastest
        uids = [d.SOPInstanceUID for d in datasets]
    return {
        "shape": [volume.shape[2], volume.shape[1], volume.shape[0]],
        "sha256": hashlib.sha256(volume.astype("<f8").tobytes()).hexdigest(),
        "min": float(volume.min()),
        "max": float(volume.max()),
        "instances": uids,
    }


def convert(syntax, out_dir, files):
    target = {"implicit": ImplicitVRLittleEndian, "big": ExplicitVRBigEndian,
              "deflated": DeflatedExplicitVRLittleEndian}[syntax]
    os.makedirs(out_dir, exist_ok=True)
    for f in files:
        d = read(f)
        pixels = d.pixel_array
        if target == ExplicitVRBigEndian:
            pixels = pixels.astype(pixels.dtype.newbyteorder(">"))
        d.PixelData = pixels.tobytes()
        d.file_meta.TransferSyntaxUID = target
        pydicom.dcmwrite(os.path.join(out_dir, os.path.basename(f)), d, enforce_file_format=True,
                         implicit_vr=target == ImplicitVRLittleEndian, little_endian=target != ExplicitVRBigEndian)


def multiframe(out, files):
    datasets = sorted_series(files)
    first = copy.deepcopy(datasets[0])
    first.NumberOfFrames = len(datasets)
    first.SOPInstanceUID = generate_uid()
    first.file_meta.MediaStorageSOPInstanceUID = first.SOPInstanceUID
    shared = Dataset()
    orientation, measures = Dataset(), Dataset()
    orientation.ImageOrientationPatient = first.ImageOrientationPatient
    measures.PixelSpacing = first.PixelSpacing
    measures.SliceThickness = first.get("SliceThickness", 1)
    shared.PlaneOrientationSequence = Sequence([orientation])
    shared.PixelMeasuresSequence = Sequence([measures])
    first.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for d in datasets:
        group, position = Dataset(), Dataset()
        position.ImagePositionPatient = d.ImagePositionPatient
        group.PlanePositionSequence = Sequence([position])
        per_frame.append(group)
    first.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    for keyword in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        delattr(first, keyword)
    first.PixelData = np.stack([d.pixel_array for d in datasets]).tobytes()
    first.save_as(out, enforce_file_format=True)


def seg(path):
    d = pydicom.dcmread(path)
    frames = d.pixel_array.reshape(int(getattr(d, "NumberOfFrames", 1) or 1), d.Rows, d.Columns)
    shared = d.SharedFunctionalGroupsSequence[0]

    def group(i, name):
        per = d.PerFrameFunctionalGroupsSequence[i]
        return getattr(per, name)[0] if name in per else getattr(shared, name)[0]

    iop = np.array(group(0, "PlaneOrientationSequence").ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    distance = [float(np.dot(np.array(group(i, "PlanePositionSequence").ImagePositionPatient, dtype=float), normal))
                for i in range(len(frames))]
    planes = sorted(set(distance))
    step = planes[1] - planes[0] if len(planes) > 1 else 1
    nz = int(round((planes[-1] - planes[0]) / step)) + 1 if len(planes) > 1 else 1
    volume = np.zeros((nz, d.Rows, d.Columns), dtype=np.float64)
    counts = {}
    for i, frame in enumerate(frames):
        number = int(group(i, "SegmentIdentificationSequence").ReferencedSegmentNumber)
        k = int(round((distance[i] - planes[0]) / step))
        volume[k][(frame > 0) & (volume[k] < number)] = number
        counts[str(number)] = counts.get(str(number), 0) + int((frame > 0).sum())
    return {
        "frames": len(frames),
        "segments": {str(s.SegmentNumber): s.SegmentLabel for s in d.SegmentSequence},
        "counts": counts,
        "shape": [volume.shape[2], volume.shape[1], volume.shape[0]],
        "sha256": hashlib.sha256(volume.astype("<f8").tobytes()).hexdigest(),
        "referenced_series": d.ReferencedSeriesSequence[0].SeriesInstanceUID if "ReferencedSeriesSequence" in d else None,
    }


command, args = sys.argv[1], sys.argv[2:]
if command == "describe":
    print(json.dumps(describe(args)))
elif command == "convert":
    convert(args[0], args[1], args[2:])
elif command == "multiframe":
    multiframe(args[0], args[1:])
elif command == "seg":
    print(json.dumps(seg(args[0])))
elif command == "testfile":
    from pydicom.data import get_testdata_file
    print(get_testdata_file(args[0], download=False))
