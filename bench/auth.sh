#!/usr/bin/env bash
# What MONAI Label's auth costs per request (token verification and the role check in the gateway): GET /info/ and a
# small label save, N times each, through a local stack started with auth off, then with MEDLABEL_AUTH=keycloak
# (the annotator's token). Uses the built jars (MEDLABEL_BUILD=never); each stack gets a fresh home under $TMPDIR.
# Usage: bench/auth.sh [N]    Results: bench/RESULTS.md ("Auth").
set -euo pipefail
N=${1:-300}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medlabel-auth-bench.XXXXXX")
for mode in off keycloak; do
  export MEDLABEL_HOME=$WORK/$mode MEDLABEL_AUTH=$mode MEDLABEL_BUILD=never
  "$HERE/deploy/local/medlabel" start > "$WORK/$mode-start.log" 2>&1 || { tail -n 20 "$WORK/$mode-start.log"; exit 1; }
  user=(); [ "$mode" = keycloak ] && user=(--user annotator)
  python3 "$HERE/bench/auth_bench.py" --n "$N" --label "auth $mode" "${user[@]}" || true
  "$HERE/deploy/local/medlabel" stop > /dev/null
done
rm -rf "$WORK"
