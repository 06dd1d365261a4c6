# shellcheck shell=bash
# Shared settings and helpers of deploy/local/medlabel. Sourced, not run.
# Every setting can be overridden from the environment; see deploy/local/README.md.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
MEDLABEL_HOME=${MEDLABEL_HOME:-$REPO/.medlabel}
MEDLABEL_CACHE=${MEDLABEL_CACHE:-$REPO/deploy/local/.cache}
RUN_DIR=$MEDLABEL_HOME/run
LOG_DIR=$MEDLABEL_HOME/logs

MEDLABEL_PG_PORT=${MEDLABEL_PG_PORT:-15432}
MEDLABEL_KAFKA_PORT=${MEDLABEL_KAFKA_PORT:-19092}
MEDLABEL_KAFKA_CONTROLLER_PORT=${MEDLABEL_KAFKA_CONTROLLER_PORT:-19093}
MEDLABEL_S3_PORT=${MEDLABEL_S3_PORT:-19000}
MEDLABEL_S3_SERVER=${MEDLABEL_S3_SERVER:-s3proxy}        # s3proxy (from Maven Central) or minio (a `minio` on PATH)
MEDLABEL_S3_ACCESS_KEY=${MEDLABEL_S3_ACCESS_KEY:-minioadmin}
MEDLABEL_S3_SECRET_KEY=${MEDLABEL_S3_SECRET_KEY:-minioadmin}
MEDLABEL_GATEWAY_PORT=${MEDLABEL_GATEWAY_PORT:-8000}
MEDLABEL_DATASTORE_PORT=${MEDLABEL_DATASTORE_PORT:-8081}
MEDLABEL_INFERENCE_PORT=${MEDLABEL_INFERENCE_PORT:-8082}
MEDLABEL_TRAINING_PORT=${MEDLABEL_TRAINING_PORT:-8083}
MEDLABEL_AUTH=${MEDLABEL_AUTH:-off}                     # off (as MONAI Label) or keycloak (a local Keycloak, auth on)
MEDLABEL_KEYCLOAK_PORT=${MEDLABEL_KEYCLOAK_PORT:-18080}   # and the next port for its management interface
MEDLABEL_KEYCLOAK_ADMIN_PASSWORD=${MEDLABEL_KEYCLOAK_ADMIN_PASSWORD:-admin}
KEYCLOAK_VERSION=${KEYCLOAK_VERSION:-26.4.7}
MEDLABEL_PACS=${MEDLABEL_PACS:-none}                    # none, or orthanc (a local Orthanc PACS, DICOMweb on)
MEDLABEL_ORTHANC_PORT=${MEDLABEL_ORTHANC_PORT:-18042}
JAVA=${JAVA:-java}

T0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - T0) / 1000000 )) ms"; }
say() { echo "medlabel: $*"; }
die() { echo "medlabel: error: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_of NAME -> the PID recorded for a component, if that process still runs.
pid_of() {
  local f=$RUN_DIR/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; else rm -f "$f"; return 1; fi
}

# require_free_port NAME PORT VARIABLE: fail clearly when something else already listens there.
require_free_port() {
  if port_open "$2"; then
    die "$1 cannot start: port $2 is already in use by another process (set $3 to use another port)"
  fi
}

# wait_for NAME TIMEOUT_S PID COMMAND...: poll COMMAND until it succeeds; fail early when PID dies.
wait_for() {
  local name=$1 timeout=$2 pid=$3; shift 3
  local end=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      say "$name exited during start-up; last lines of its log:" >&2
      tail -n 30 "$LOG_DIR/$name.log" >&2 2>/dev/null || true
      return 1
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      say "$name not ready after ${timeout}s; see $LOG_DIR/$name.log" >&2
      return 1
    fi
    sleep 0.2
  done
  say "$name ready at $(elapsed)"
}

# stop_components NAME...: signal them all at once (each JVM takes ~2 s to shut down; in parallel that is paid once),
# wait up to 20 s, then KILL what is left. PostgreSQL gets SIGINT, its "fast" shutdown; the others SIGTERM.
stop_components() {
  local name pid
  local -A pids=()
  for name in "$@"; do
    pid=$(pid_of "$name") || continue
    pids[$name]=$pid
    if [ "$name" = postgres ]; then kill -INT "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for name in "${!pids[@]}"; do
    pid=${pids[$name]}
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name ($pid) did not stop in 20 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$RUN_DIR/$name.pid"
    say "stopped $name"
  done
}
