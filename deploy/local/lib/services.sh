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
# 3.2 GB), for no measured gain.
service_java_opts() {
  local var heap gc=-XX:+UseSerialGC
  var="MEDLABEL_$(echo "$1" | tr '[:lower:]' '[:upper:]')_JAVA_OPTS"
  case $1 in inference) heap=3g gc=-XX:+UseG1GC ;; training) heap=2g ;; *) heap=256m ;; esac
  echo "${!var:--Xms32m -Xmx$heap $gc -XX:+ExitOnOutOfMemoryError}"
}

# Builds the services when a jar is missing or any main source, resource or POM is newer than it.
# MEDLABEL_BUILD=never runs the jars as they are (fails when one is missing); =always rebuilds.
services_build() {
  local stale=0 s jar oldest=""
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
  if [ $stale = 0 ] && [ -n "$(find "$REPO" -path "$REPO/.medlabel" -prune -o \
        \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$oldest" -print -quit)" ]; then
    stale=1
  fi
  if [ $stale = 1 ]; then
    say "building the services (./mvnw package -DskipTests)"
    (cd "$REPO" && ./mvnw -q -B package -DskipTests -Dspotless.check.skip=true -pl gateway,datastore-service,inference-service,training-service -am) \
      || die "build failed"
  fi
}

start_service() {
  local s=$1 port; port=$(service_port "$s")
  # shellcheck disable=SC2046 # the options are words on purpose
  (
    # shellcheck disable=SC1091
    . "$RUN_DIR/infra.env"
    export QUARKUS_HTTP_PORT=$port
    export MEDLABEL_GATEWAY_SERVICES_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_GATEWAY_SERVICES_INFERENCE_URL=http://127.0.0.1:$MEDLABEL_INFERENCE_PORT
    export MEDLABEL_GATEWAY_SERVICES_TRAINING_URL=http://127.0.0.1:$MEDLABEL_TRAINING_PORT
    export MEDLABEL_INFERENCE_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_TRAINING_DATASTORE_URL=http://127.0.0.1:$MEDLABEL_DATASTORE_PORT
    export MEDLABEL_GATEWAY_LOG_FILE=$LOG_DIR/gateway.log
    # decoded volumes live on the heap: keep the cache well inside it
    export MEDLABEL_INFERENCE_CACHE_MAX_BYTES=${MEDLABEL_INFERENCE_CACHE_MAX_BYTES:-1073741824}
    cd "$MEDLABEL_HOME" && exec nohup "$JAVA" $(service_java_opts "$s") -jar "$(service_jar "$s")" \
      >> "$LOG_DIR/$s.log" 2>&1
  ) &
  echo $! > "$RUN_DIR/$s.pid"
}

service_ready() { curl -sf -o /dev/null "http://127.0.0.1:$(service_port "$1")/q/health/ready"; }

# Starts the services not running yet, then waits until every one is ready (those already running too: after an
# infrastructure restart they need a few seconds to reconnect).
services_start() {
  services_build
  local s
  for s in $SERVICES; do
    if pid_of "$s" >/dev/null; then continue; fi
    require_free_port "$s" "$(service_port "$s")" "MEDLABEL_$(echo "$s" | tr '[:lower:]' '[:upper:]')_PORT"
    start_service "$s"
  done
  for s in $SERVICES; do
    wait_for "$s" "${MEDLABEL_START_TIMEOUT:-180}" "$(pid_of "$s")" service_ready "$s" || return 1
  done
}

# The datastore last: the others call it, and a training job that loses it mid-epoch would have to pause.
services_stop() {
  stop_components gateway training inference
  stop_components datastore
}
