#!/usr/bin/env bash
# GPU check of the ml module, for a machine with an NVIDIA GPU: verifies the CUDA 12 + cuDNN 9 libraries that
# onnxruntime_gpu needs, builds with -Pgpu (downloads the 640 MB onnxruntime_gpu jar once) and runs the UNet
# inference benchmark on cuda:0, as built and optimised, printing JMH's table, then one training step (the ORT
# training graph from Java, TrainingStepBenchmark) of the small and the spleen UNet at 96³ on cuda:0. Sessions on
# cuda:N never fall back to the CPU silently: a GPU that cannot be used fails the run with ORT's reason.
#   bench/gpu-check.sh            # patches 96,128,160; PATCHES=96 bench/gpu-check.sh for a quick look
#   TRAIN_PATCH=96 TRAIN_STEPS=10 TRAIN_NETS="small spleen" bench/gpu-check.sh   # the training defaults; TRAIN_NETS=""
#                                 # skips training
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
PATCHES=${PATCHES:-96,128,160}
OUT=${OUT:-$REPO/bench/target/gpu}

command -v nvidia-smi >/dev/null || { echo "gpu-check: nvidia-smi not found: no NVIDIA driver on this machine" >&2; exit 2; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
# A library counts as present when the loader cache or a LD_LIBRARY_PATH directory has it.
found() {
  ldconfig -p | grep -q "$1" && return 0
  local dir
  IFS=: read -r -a dirs <<< "${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ -e "$dir/$1" ] && return 0
  done
  return 1
}
missing=()
for lib in libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcurand.so.10 libcufft.so.11 libcudnn.so.9; do
  found "$lib" || missing+=("$lib")
done
if ((${#missing[@]})); then
  echo "gpu-check: missing CUDA libraries (install CUDA 12 and cuDNN 9, or add them to LD_LIBRARY_PATH): ${missing[*]}" >&2
  exit 2
fi

mkdir -p "$OUT"
./mvnw -q -B -Pbench,gpu package -pl bench -am -DskipTests -Dspotless.check.skip=true
java -jar bench/target/benchmarks.jar UNetInferenceBenchmark -p patch="$PATCHES" -p device=cuda:0 \
  -p threads=1 -rf json -rff "$OUT/jmh.json" | sed -n '/^Benchmark/,$p'

# Training step on cuda:0, one JVM per net (2 warm-up steps, then TRAIN_STEPS timed; peak_rss_mb is host memory).
read -r -a train_nets <<< "${TRAIN_NETS-small spleen}"
TRAIN_OUT=$OUT/training
mkdir -p "$TRAIN_OUT"
: > "$TRAIN_OUT/ort.jsonl"
: > "$TRAIN_OUT/ort.log"
for net in "${train_nets[@]}"; do
  echo "gpu-check: training step, $net ${TRAIN_PATCH:-96}³ on cuda:0" >&2
  java -Xmx2g -cp bench/target/benchmarks.jar org.medlabel.bench.TrainingStepBenchmark "$net" "${TRAIN_PATCH:-96}" \
    "${TRAIN_STEPS:-10}" 1 cuda:0 2>>"$TRAIN_OUT/ort.log" | grep '^{' >> "$TRAIN_OUT/ort.jsonl" \
    || { echo "gpu-check: training step of $net failed; see $TRAIN_OUT/ort.log" >&2; tail -n 20 "$TRAIN_OUT/ort.log" >&2; exit 1; }
done
if ((${#train_nets[@]})); then
  if python3 -c 'import numpy' 2>/dev/null; then
    python3 bench/training_report.py "$TRAIN_OUT"
  else
    cat "$TRAIN_OUT/ort.jsonl"
  fi
fi
echo "gpu-check: results in $OUT/jmh.json (inference, ms per patch) and $TRAIN_OUT/ort.jsonl (training steps);"\
  "record them in bench/RESULTS.md with the GPU's name"
