#!/usr/bin/env bash
# How much the datastore's API costs training per case read, against reading the object straight from the bucket
# (ADR 0012): the head CT (7.8 MB .nii.gz) read N times each way from a running local stack.
# Usage: bench/case-read.sh [N]  (MEDLABEL_HOME and the ports of the stack in the environment, as `medlabel env` sets)
set -euo pipefail
N=${1:-20}
HERE=$(cd "$(dirname "$0")/.." && pwd)
CT=${CT:-$HERE/../shared/data/ct_head_invesalius/ct.nii.gz}
eval "$("$HERE/deploy/local/medlabel" env)"
DS=http://127.0.0.1:${MEDLABEL_DATASTORE_PORT:-8081}
curl -sf -X PUT "$DS/images/bench_ct/file?name=ct.nii.gz" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$CT" >/dev/null
PG_PORT=${QUARKUS_DATASOURCE_JDBC_URL##*:}; PG_PORT=${PG_PORT%%/*}
KEY=$(PGPASSWORD=medlabel psql -h 127.0.0.1 -p "$PG_PORT" -U medlabel -d medlabel -tAc \
  "select object_key from datastore.images where id = 'bench_ct'")
S3="$MEDLABEL_S3_ENDPOINT/${MEDLABEL_S3_BUCKET:-medlabel}/$KEY"
time_it() { # label url [curl options]
  local label=$1 url=$2; shift 2
  local total=0 t
  for _ in $(seq 1 "$N"); do
    t=$(curl -sf -o /dev/null -w '%{time_total}' "$@" "$url")
    total=$(echo "$total + $t" | bc -l)
  done
  printf '%-34s %6.1f ms per read (mean of %d)\n' "$label" "$(echo "$total * 1000 / $N" | bc -l)" "$N"
}
time_it "datastore API /images/{id}/file" "$DS/images/bench_ct/file"
# SigV4 signs the empty body's SHA-256; S3Proxy wants it in the header too
time_it "bucket GET (S3, signed)" "$S3" --aws-sigv4 "aws:amz:us-east-1:s3" \
  --user "$MEDLABEL_S3_ACCESS_KEY:$MEDLABEL_S3_SECRET_KEY" \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
