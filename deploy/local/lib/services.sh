# shellcheck shell=bash
# The four MedLabel services, run from their Quarkus fast-jars. Sourced after common.sh and infra.sh.

SERVICES="datastore inference training gateway"

service_module() { case $1 in gateway) echo gateway ;; *) echo "$1-service" ;; esac; }
service_port() {
  case $1 in
    gateway) echo "$MEDLABEL_GATEWAY_PORT" ;; datastore) echo "$MEDLABEL_DATASTORE_PORT" ;;
    inference) echo "$MEDLABEL_INFERENCE_PORT" ;; training) echo "$MEDLABEL_TRAINING_PORT" ;;
  esac
}
service_jar() { echo "$REPO/$(service_module "$1")/target/quarkus-app/quarkus-run.jar"; }

# Heap per service; override with MEDLABEL_<SERVICE>_JAVA_OPTS (e.g. MEDLABEL_INFERENCE_JAVA_OPTS="-Xmx8g").
# Inference allocates volume-sized arrays (50-100 MB each) on every request: G1 frees such arrays without copying
# them, where the serial collector's full collections cost ~0.3 s per spleen inference (bench/RESULTS.md). Training
# keeps the serial collector: training the same DeepEdit job under load, G1 peaked 0.56 GB higher (3.7 against
# 3.2 GB), for no measured gain. Training does not exit on an OutOfMemoryError: the job that ran out ends ERROR and the
# worker goes on (its heap peaks at 0.3-0.6 GB on the radiology app's jobs, bench/RESULTS.md; the rest of 2 GB is for
# its case cache). A service that exits anyway is started again by its supervisor.
service_java_opts() {
  local var heap gc=-XX:+UseSerialGC exit=-XX:+ExitOnOutOfMemoryError
  var="MEDLABEL_$(echo "$1" | tr '[:lower:]' '[:upper:]')_JAVA_OPTS"
  case $1 in inference) heap=3g gc=-XX:+UseG1GC ;; training) heap=2g exit="" ;; *) heap=256m ;; esac
  echo "${!var:--Xms32m -Xmx$heap $gc${exit:+ $exit}}"
}

# What the services are built from: a change here (not under target/, and not the CLI's or clients' generated code)
# makes their jars stale.
SERVICE_SOURCES="api imaging ml app platform gateway datastore-service inference-service training-service"

# Builds the services when a jar is missing or a main source, resource or POM they are built from is newer than it.
# MEDLABEL_BUILD=never runs the jars as they are (fails when one is missing); =always rebuilds. Never rebuilds under
# running services (a JVM whose jar is replaced fails at its next class load): it says so and stops instead.
services_build() {
  local stale=0 s jar oldest="" running="" m dirs=()
  case ${MEDLABEL_BUILD:-auto} in
    never)
      for s in $SERVICES; do [ -f "$(service_jar "$s")" ] || die "$(service_jar "$s") is missing and MEDLABEL_BUILD=never"; done
      return 0 ;;
    always) stale=1 ;;
    auto) ;;
    *) die "MEDLABEL_BUILD must be auto, never or always" ;;
  esac
  for s in $SERVICES; do
    [ $stale = 0 ] || break
    jar=$(service_jar "$s")
    if [ ! -f "$jar" ]; then stale=1; break; fi
    if [ -z "$oldest" ] || [ "$jar" -ot "$oldest" ]; then oldest=$jar; fi
  done
  for m in $SERVICE_SOURCES; do dirs+=("$REPO/$m"); done
  if [ $stale = 0 ] && { [ "$REPO/pom.xml" -nt "$oldest" ] || [ -n "$(find "${dirs[@]}" -name target -prune -o \
        \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$oldest" -print -quit)" ]; }; then
    stale=1
  fi
  [ $stale = 1 ] || return 0
  for s in $SERVICES; do if pid_of "$s" >/dev/null; then running+=" $s"; fi; done
  if [ -n "$running" ]; then
    die "the sources changed since the running services were built; not rebuilding under them (${running# }):" \
      "deploy/local/medlabel stop, then start (or MEDLABEL_BUILD=never start to keep the jars as they are)"
  fi
  build_services
}

# The Maven build of the four services, with a line per module as it goes (a cold build takes minutes); the whole
# output in $LOG_DIR/build.log.
build_services() {
  local t=$SECONDS status
  say "building the services (./mvnw package -DskipTests; log: $LOG_DIR/build.log)"
  set +o pipefail
  (cd "$REPO" && ./mvnw -B package -DskipTests -Dspotless.check.skip=true \
    -pl gateway,datastore-service,inference-service,training-service -am 2>&1; echo "exit $?") \
    | tee "$LOG_DIR/build.log" \
    | sed -un 's/^\[INFO\] Building \(.*\) [0-9][^ ]* *\[\([0-9]*\/[0-9]*\)\]$/medlabel:   building [\2] \1/p'
  set -o pipefail
  status=$(tail -n 1 "$LOG_DIR/build.log")
  if [ "$status" != "exit 0" ]; then
    grep -E '^\[ERROR\]' "$LOG_DIR/build.log" | head -n 20 >&2
    die "build failed ($status); see $LOG_DIR/build.log"
  fi
  say "built in $((SECONDS - t)) s"
}

# Starts a service under its supervisor (deploy/local/lib/supervise): restarted with back-off whenever it exits
# until `stop`; `status` shows the restarts.
start_service() {
  local s=$1 port; port=$(service_port "$s")
  rm -f "$RUN_DIR/$s.pid"
  # shellcheck disable=SC2046 # the options are words on purpose
  (
    # shellcheck disable=SC1091
    . "$RUN_DIR/infra.env"
    export QUARKUS_HTTP_PORT=$port
    export MEDLABEL_GATEWAY_SERVICES_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_GATEWAY_SERVICES_INFERENCE_URL=http://127.0.0.1:$MEDLABEL_INFERENCE_PORT
    export MEDLABEL_GATEWAY_SERVICES_TRAINING_URL=http://127.0.0.1:$MEDLABEL_TRAINING_PORT
    export MEDLABEL_INFERENCE_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_INFERENCE_TRAINING_URL=http://127.0.0.1:$MEDLABEL_TRAINING_PORT
    export MEDLABEL_TRAINING_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_TRAINING_INFERENCE_URL=http://127.0.0.1:$MEDLABEL_INFERENCE_PORT
    # one worker under a stable name: restarted after a crash, it resumes its jobs at once instead of after the lease
    export MEDLABEL_TRAINING_WORKER_ID=${MEDLABEL_TRAINING_WORKER_ID:-local-training}
    export MEDLABEL_GATEWAY_LOG_FILE=$LOG_DIR/gateway.log
    if [ "$MEDLABEL_AUTH" = keycloak ]; then
      export MEDLABEL_GATEWAY_AUTH_ENABLED=true
      export MEDLABEL_GATEWAY_AUTH_REALM_URI=http://127.0.0.1:$MEDLABEL_KEYCLOAK_PORT/realms/monailabel
      # our realm puts the client in the tokens' audience, so tokens meant for other clients are refused
      export MEDLABEL_GATEWAY_AUTH_AUDIENCE=monailabel-app
      # shellcheck disable=SC2155 # internal_token fails only with the home unwritable, which start has ruled out
      export MEDLABEL_INTERNAL_TOKEN="$(internal_token)"
    fi
    # decoded volumes live on the heap: keep the cache well inside it
    export MEDLABEL_INFERENCE_CACHE_MAX_BYTES=${MEDLABEL_INFERENCE_CACHE_MAX_BYTES:-1073741824}
    # training: glibc backs large blocks (ONNX Runtime's arena regions) with huge pages: steps 2-7 % faster, and the
    # opt-out medlabel.training.cpu-arena=false usable; blocks of 4 MiB and more mapped and unmapped on their own, so
    # a step without the arena gives back what it freed (deepedit 128³: later steps peak 5.8, not 6.8 GB;
    # bench/RESULTS.md 2026-12-07)
    if [ "$s" = training ]; then export GLIBC_TUNABLES=${MEDLABEL_TRAINING_GLIBC_TUNABLES-glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304}; fi
    cd "$MEDLABEL_HOME" && exec setsid nohup "$HERE/lib/supervise" "$s" "$RUN_DIR" "$LOG_DIR/$s.log" -- \
      "$JAVA" $(service_java_opts "$s") -jar "$(service_jar "$s")" >/dev/null 2>&1
  ) &
  for _ in $(seq 1 50); do [ -s "$RUN_DIR/$s.pid" ] && return 0; sleep 0.1; done
  die "the supervisor of $s did not start"
}

# The secret the services require on internal calls when auth is on: made once per home, readable by its owner only.
internal_token() {
  local f=$MEDLABEL_HOME/internal-token
  if [ ! -s "$f" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$f")
  fi
  cat "$f"
}

service_ready() { curl -sf -o /dev/null "http://127.0.0.1:$(service_port "$1")/q/health/ready"; }

# supervisor_of NAME -> the PID of the service's supervisor, if it runs.
supervisor_of() {
  local f=$RUN_DIR/$1.supervisor.pid pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; else rm -f "$f"; return 1; fi
}

# "restarted N times, last HH:MM:SS (exit S)" for a service its supervisor restarted.
service_restarts() {
  local f=$RUN_DIR/$1.restarts count at status
  [ -f "$f" ] || return 0
  read -r count at status < "$f"
  echo "restarted $count times, last at $(date -d "@$at" +%H:%M:%S) (exit $status)"
}

# Starts the services in dependency order: the datastore first (inference and training read from it at once), then
# the others together; each is waited for until ready. Running ones are left alone (and waited for: after an
# infrastructure restart they need a few seconds to reconnect); one its supervisor is restarting is waited for too.
services_start() {
  services_build
  start_and_wait datastore
  start_and_wait inference training gateway
}

start_and_wait() {
  local s
  for s in "$@"; do
    if pid_of "$s" >/dev/null || supervisor_of "$s" >/dev/null; then continue; fi
    require_free_port "$s" "$(service_port "$s")" "MEDLABEL_$(echo "$s" | tr '[:lower:]' '[:upper:]')_PORT"
    start_service "$s"
  done
  for s in "$@"; do
    until pid_of "$s" >/dev/null; do supervisor_of "$s" >/dev/null || return 1; sleep 0.2; done
    if ! wait_for "$s" "${MEDLABEL_START_TIMEOUT:-180}" "$(pid_of "$s")" service_ready "$s"; then
      stop_supervisors "$s"
      return 1
    fi
  done
}

stop_supervisors() {
  local s pid
  for s in "$@"; do
    if pid=$(supervisor_of "$s"); then kill -TERM "$pid" 2>/dev/null || true; fi
    rm -f "$RUN_DIR/$s.supervisor.pid" "$RUN_DIR/$s.restarts"
  done
}

# The datastore last: the others call it, and a training job that loses it mid-epoch would have to pause. Supervisors
# first, so a stopping service is not started again.
services_stop() {
  stop_supervisors $SERVICES
  stop_components gateway training inference
  stop_components datastore
}
