# shellcheck shell=bash
# The whole native stack for a benchmark: MedLabel started by deploy/local/medlabel on ports of its own (27xxx, below
# Linux's ephemeral range), stopped on exit. Sourced by bench scripts after they set:
#   BENCH        the benchmark's name (message prefix)
#   LOG_SERVICE  the service whose log tail `fail` shows
#   MEDLABEL_HOME (optional; default bench/target/inference-home, where version 0 of the radiology models is built once)
# Knobs every such script takes: KEEP=1 (leave MedLabel running), BUILD=0 (use the jars as built), SKIP_START=1 (use a
# MedLabel already running on these ports), MEDLABEL_*_PORT, MEDLABEL_HOME, MODELS_TIMEOUT (s).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MVN_LOCK=${MVN_LOCK:-/tmp/medlabel-mvn.lock}
MODELS_TIMEOUT=${MODELS_TIMEOUT:-900}
export MEDLABEL_HOME=${MEDLABEL_HOME:-$REPO/bench/target/inference-home}
export MEDLABEL_PG_PORT=${MEDLABEL_PG_PORT:-27432} MEDLABEL_KAFKA_PORT=${MEDLABEL_KAFKA_PORT:-27092} \
  MEDLABEL_KAFKA_CONTROLLER_PORT=${MEDLABEL_KAFKA_CONTROLLER_PORT:-27093} MEDLABEL_S3_PORT=${MEDLABEL_S3_PORT:-27000} \
  MEDLABEL_GATEWAY_PORT=${MEDLABEL_GATEWAY_PORT:-27800} MEDLABEL_DATASTORE_PORT=${MEDLABEL_DATASTORE_PORT:-27881} \
  MEDLABEL_INFERENCE_PORT=${MEDLABEL_INFERENCE_PORT:-27882} MEDLABEL_TRAINING_PORT=${MEDLABEL_TRAINING_PORT:-27883}
export MEDLABEL_INFERENCE_WORK_DIRECTORY=$MEDLABEL_HOME/scratch/inference \
  MEDLABEL_DATASTORE_UPLOADS_DIRECTORY=$MEDLABEL_HOME/scratch/datastore-uploads \
  MEDLABEL_START_TIMEOUT=${MEDLABEL_START_TIMEOUT:-600}
# shellcheck disable=SC2034 # used by the scripts that source this file
GW=http://127.0.0.1:$MEDLABEL_GATEWAY_PORT
DS=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
INF=http://127.0.0.1:$MEDLABEL_INFERENCE_PORT
TR=http://127.0.0.1:$MEDLABEL_TRAINING_PORT

log() { echo "$BENCH: $*"; }
fail() {
  echo "$BENCH: FAILED: $*" >&2
  if [ -f "$MEDLABEL_HOME/logs/$LOG_SERVICE.log" ]; then
    echo "--- last lines of $MEDLABEL_HOME/logs/$LOG_SERVICE.log (deploy/local/medlabel logs $LOG_SERVICE):" >&2
    tail -n 40 "$MEDLABEL_HOME/logs/$LOG_SERVICE.log" >&2
  fi
  exit 1
}

STARTED=0
# Stops what stack_start started (unless KEEP=1); scripts with their own clean-up call it from theirs.
stack_stop() {
  if [ "$STARTED" = 1 ] && [ "${KEEP:-0}" != 1 ]; then
    log "stopping MedLabel (KEEP=1 leaves it running)"
    "$REPO/deploy/local/medlabel" stop >/dev/null || true
  fi
}

# Builds the services (unless BUILD=0) and starts MedLabel (unless SKIP_START=1).
stack_start() {
  [ "${SKIP_START:-0}" != 1 ] || return 0
  if [ "${BUILD:-1}" != 0 ]; then
    log "building the services (Maven, serialised by $MVN_LOCK)"
    (cd "$REPO" && flock "$MVN_LOCK" ./mvnw -q -B package -DskipTests -Dspotless.check.skip=true \
      -pl gateway,datastore-service,inference-service,training-service -am) || fail "build failed"
  fi
  STARTED=1
  local t=$SECONDS
  MEDLABEL_BUILD=never "$REPO/deploy/local/medlabel" start >/dev/null \
    || fail "MedLabel did not start (logs in $MEDLABEL_HOME/logs)"
  log "MedLabel started in $((SECONDS - t)) s"
}

# Waits until inference has loaded every model of its app (a fresh home builds version 0 first: minutes).
stack_wait_models() {
  local t=$SECONDS versions
  until versions=$(python3 "$REPO/bench/inference_report.py" models "$INF/models"); do
    [ $((SECONDS - t)) -lt "$MODELS_TIMEOUT" ] || fail "models not all loaded after ${MODELS_TIMEOUT}s: $versions"
    sleep 5
  done
  log "models ready after $((SECONDS - t)) s: $versions"
}
