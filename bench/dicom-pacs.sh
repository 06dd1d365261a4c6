#!/usr/bin/env bash
# Inference on a PACS series, first use and cached: a local stack on a local Orthanc (MEDLABEL_PACS=orthanc, a
# DICOMweb datastore listing CT series, its list re-read only hourly so that the first /infer fetches the series),
# the head CT's DICOM series stored in Orthanc; the model warmed on the same CT uploaded as NIfTI, then
# /infer/segmentation_spleen?image=<SeriesInstanceUID> ROUNDS times: the first includes WADO-RS retrieve, decode and
# storing the volume. Uses the built jars (MEDLABEL_BUILD=never)
# and the shipped app. Usage: bench/dicom-pacs.sh [ROUNDS]    Results: bench/RESULTS.md ("DICOM").
set -euo pipefail
ROUNDS=${1:-4}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medlabel-dicom-bench.XXXXXX")
export MEDLABEL_HOME=$WORK/home MEDLABEL_BUILD=never MEDLABEL_PACS=orthanc
export MEDLABEL_DATASTORE_DICOMWEB_REFRESH=3600s
trap '"$HERE/deploy/local/medlabel" stop > /dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$HERE/deploy/local/medlabel" start > "$WORK/start.log" 2>&1 || { tail -n 20 "$WORK/start.log"; exit 1; }
ORTHANC=http://127.0.0.1:${MEDLABEL_ORTHANC_PORT:-18042}
GATEWAY=http://127.0.0.1:${MEDLABEL_GATEWAY_PORT:-8000}
for f in "$HERE"/../shared/data/ct_head_invesalius/dicom_plastimatch/*.dcm; do
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/dicom' --data-binary @"$f" "$ORTHANC/instances"
done
curl -sf -o /dev/null -X PUT -F "file=@$HERE/../shared/data/ct_head_invesalius/ct.nii.gz" "$GATEWAY/datastore/image?image=warm"
curl -s -o /dev/null -w "warm-up on the NIfTI upload: HTTP %{http_code} in %{time_total} s\n" -X POST \
  "$GATEWAY/infer/segmentation_spleen?image=warm&output=image"
curl -s -o /dev/null -w "again: HTTP %{http_code} in %{time_total} s\n" -X POST \
  "$GATEWAY/infer/segmentation_spleen?image=warm&output=image"
SERIES=$(curl -sf "$GATEWAY/proxy/dicom/qido/series?Modality=CT" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["0020000E"]["Value"][0])')
for i in $(seq 1 "$ROUNDS"); do
  curl -s -o /dev/null -w "infer $i: HTTP %{http_code} in %{time_total} s\n" -X POST \
    "$GATEWAY/infer/segmentation_spleen?image=$SERIES&output=image"
done
grep -a "PACS: series" "$MEDLABEL_HOME/logs/datastore.log" || true
