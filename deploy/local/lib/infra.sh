# shellcheck shell=bash
# PostgreSQL, Kafka (KRaft) and an S3 server, started natively. Sourced after common.sh.
# Recipes and measurements: ../shared/design/INFRA.md. Data persists under $MEDLABEL_HOME across stop/start.

INFRA_COMPONENTS="postgres kafka s3"
# With MEDLABEL_AUTH=keycloak an identity provider joins them (deploy/keycloak/monailabel-realm.json: dev users).
case $MEDLABEL_AUTH in
  off) ;;
  keycloak) INFRA_COMPONENTS+=" keycloak" ;;
  *) die "MEDLABEL_AUTH must be off or keycloak, was '$MEDLABEL_AUTH'" ;;
esac
# With MEDLABEL_PACS=orthanc a local PACS joins them, and MedLabel's DICOMweb settings point at it.
case $MEDLABEL_PACS in
  none) ;;
  orthanc) INFRA_COMPONENTS+=" orthanc" ;;
  *) die "MEDLABEL_PACS must be none or orthanc, was '$MEDLABEL_PACS'" ;;
esac

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# apt_install WHAT PACKAGE...: Debian packages, without letting them start their own system services (policy-rc.d):
# MedLabel starts its own instances on its own ports.
apt_install() {
  local what=$1; shift
  [ "$(id -u)" = 0 ] || die "$what is not installed; install the Debian packages '$*' (needs root)"
  say "installing $what (apt: $*)"
  apt-get update -qq
  local created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  [ $created = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

ORTHANC_DICOMWEB_PLUGIN=/usr/share/orthanc/plugins/libOrthancDicomWeb.so

infra_install() {
  if [ -z "$(pg_bin)" ]; then
    apt_install PostgreSQL postgresql
  fi
  if [[ " $INFRA_COMPONENTS " == *" orthanc "* ]] && { ! command -v Orthanc >/dev/null || [ ! -e "$ORTHANC_DICOMWEB_PLUGIN" ]; }; then
    apt_install "Orthanc (the local PACS)" orthanc orthanc-dicomweb
  fi
  mkdir -p "$MEDLABEL_CACHE"
  if [ ! -f "$MEDLABEL_CACHE/kafka-libs/.complete" ]; then
    say "fetching Kafka from Maven Central"
    rm -rf "$MEDLABEL_CACHE/kafka-libs"
    "$REPO/mvnw" -q -B -f "$REPO/deploy/local/infra-pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$MEDLABEL_CACHE/kafka-libs"
    touch "$MEDLABEL_CACHE/kafka-libs/.complete"
  fi
  if [ "$MEDLABEL_S3_SERVER" = s3proxy ] && [ ! -f "$MEDLABEL_CACHE/s3proxy.jar" ]; then
    say "fetching S3Proxy from Maven Central"
    "$REPO/mvnw" -q -B -f "$REPO/deploy/local/infra-pom.xml" dependency:copy@s3proxy -Dinfra.cache="$MEDLABEL_CACHE"
  fi
  if [ "$MEDLABEL_AUTH" = keycloak ] && [ ! -x "$(keycloak_dir)/bin/kc.sh" ]; then
    say "fetching Keycloak $KEYCLOAK_VERSION from Maven Central"
    "$REPO/mvnw" -q -B -f "$REPO/deploy/local/infra-pom.xml" dependency:copy@keycloak -Dinfra.cache="$MEDLABEL_CACHE" \
      -Dkeycloak.version="$KEYCLOAK_VERSION"
    rm -rf "$(keycloak_dir)"
    unzip -q "$MEDLABEL_CACHE/keycloak.zip" -d "$MEDLABEL_CACHE" && rm -f "$MEDLABEL_CACHE/keycloak.zip"
  fi
  if [ "$MEDLABEL_S3_SERVER" = minio ] && ! command -v minio >/dev/null; then
    die "MEDLABEL_S3_SERVER=minio but no 'minio' on PATH"
  fi
}

# As root, PostgreSQL runs as the 'postgres' user, which must be able to reach its data directory. When
# $MEDLABEL_HOME lies under a directory it cannot traverse (e.g. /root), the data lives under /var/lib/medlabel and
# $MEDLABEL_HOME/postgres links to it.
pg_data_dir() {
  local dir=$MEDLABEL_HOME/postgres
  if [ "$(id -u)" = 0 ] && [ ! -L "$dir" ] && [ ! -d "$dir" ]; then
    mkdir -p "$MEDLABEL_HOME"
    if ! runuser -u postgres -- test -x "$MEDLABEL_HOME"; then
      local outside
      outside=/var/lib/medlabel/$(echo -n "$MEDLABEL_HOME" | sha1sum | cut -c1-12)/postgres
      mkdir -p "$outside"; chown postgres:postgres "$outside"
      ln -s "$outside" "$dir"
      say "postgres cannot reach $MEDLABEL_HOME; its data lives in $outside (linked from $dir)" >&2
    fi
  fi
  # PostgreSQL must be given the link's target: it cannot traverse $MEDLABEL_HOME to follow the link itself.
  realpath -m "$dir"
}

# wipe_home DIR: delete a MedLabel home, including PostgreSQL data kept outside it (see pg_data_dir).
wipe_home() {
  if [ -L "$1/postgres" ]; then
    local outside; outside=$(realpath -m "$1/postgres")
    rm -rf "$outside"; rmdir "$(dirname "$outside")" 2>/dev/null || true
  fi
  rm -rf "$1"
}

as_pg_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local bin data; bin=$(pg_bin); data=$(pg_data_dir)
  mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      > "$LOG_DIR/postgres-initdb.log" 2>&1 || { cat "$LOG_DIR/postgres-initdb.log" >&2; die "initdb failed"; }
  fi
  # Local development settings: durability traded for speed (this is not a production database). The server's
  # output goes to a file this (root) shell opens, so the postgres user needs no access to $LOG_DIR.
  as_pg_owner "$bin/pg_ctl" -D "$data" -w -t 60 \
    -o "-p $MEDLABEL_PG_PORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >> "$LOG_DIR/postgres.log" 2>&1 || { tail -n 20 "$LOG_DIR/postgres.log" >&2; die "PostgreSQL failed to start"; }
  head -1 "$data/postmaster.pid" > "$RUN_DIR/postgres.pid"
  local psql=(psql -q -h 127.0.0.1 -p "$MEDLABEL_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -tA)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='medlabel'")" ]; then
    "${psql[@]}" -c "CREATE USER medlabel WITH PASSWORD 'medlabel'" >/dev/null
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='medlabel'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE medlabel OWNER medlabel" >/dev/null
  fi
  say "postgres ready at $(elapsed)"
}

start_kafka() {
  local dir=$MEDLABEL_HOME/kafka
  mkdir -p "$dir/data"
  # A random id from letters and digits only: one starting with '-' would be read as an option by the storage tool
  # (1 start in 64 failed that way before). A file from such a failed start is replaced; formatting never succeeded.
  if [ ! -f "$dir/cluster-id" ] || [[ $(cat "$dir/cluster-id") == -* ]]; then
    head -c 16 /dev/urandom | base64 | tr '+/' 'AB' | cut -c1-22 > "$dir/cluster-id"
  fi
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$MEDLABEL_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$MEDLABEL_KAFKA_PORT,CONTROLLER://127.0.0.1:$MEDLABEL_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$MEDLABEL_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
  cat > "$dir/log4j2.properties" <<'L4J'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
L4J
  local jopts=(-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError
               -Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties"
               -cp "$MEDLABEL_CACHE/kafka-libs/*")
  "$JAVA" "${jopts[@]}" kafka.tools.StorageTool format --standalone --ignore-formatted -t "$(cat "$dir/cluster-id")" \
    -c "$dir/server.properties" > "$LOG_DIR/kafka-format.log" 2>&1 \
    || { cat "$LOG_DIR/kafka-format.log" >&2; die "formatting Kafka's storage failed"; }
  : > "$LOG_DIR/kafka.log"
  nohup "$JAVA" "${jopts[@]}" kafka.Kafka "$dir/server.properties" >> "$LOG_DIR/kafka.log" 2>&1 &
  echo $! > "$RUN_DIR/kafka.pid"
}

start_s3() {
  local dir=$MEDLABEL_HOME/s3
  mkdir -p "$dir"
  if [ "$MEDLABEL_S3_SERVER" = minio ]; then
    MINIO_ROOT_USER=$MEDLABEL_S3_ACCESS_KEY MINIO_ROOT_PASSWORD=$MEDLABEL_S3_SECRET_KEY nohup minio server "$dir" \
      --address "127.0.0.1:$MEDLABEL_S3_PORT" --console-address "127.0.0.1:$((MEDLABEL_S3_PORT + 1))" \
      > "$LOG_DIR/s3.log" 2>&1 &
  else
    cat > "$MEDLABEL_HOME/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$MEDLABEL_S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$MEDLABEL_S3_ACCESS_KEY
s3proxy.credential=$MEDLABEL_S3_SECRET_KEY
jclouds.provider=filesystem-nio2
jclouds.identity=$MEDLABEL_S3_ACCESS_KEY
jclouds.credential=$MEDLABEL_S3_SECRET_KEY
jclouds.filesystem.basedir=$dir
PROPS
    nohup "$JAVA" -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -DLOG_LEVEL=warn \
      -jar "$MEDLABEL_CACHE/s3proxy.jar" --properties "$MEDLABEL_HOME/s3proxy.properties" > "$LOG_DIR/s3.log" 2>&1 &
  fi
  echo $! > "$RUN_DIR/s3.pid"
}

keycloak_dir() { echo "$MEDLABEL_CACHE/keycloak-$KEYCLOAK_VERSION"; }

# Keycloak in development mode: its database (H2) under $MEDLABEL_HOME, the MedLabel realm imported at first start
# (an existing realm is left as it is), the bootstrap admin of its master realm from MEDLABEL_KEYCLOAK_ADMIN_PASSWORD.
start_keycloak() {
  local kc; kc=$(keycloak_dir)
  mkdir -p "$MEDLABEL_HOME/keycloak" "$kc/data/import"
  cp "$REPO/deploy/keycloak/monailabel-realm.json" "$kc/data/import/"
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=$MEDLABEL_KEYCLOAK_ADMIN_PASSWORD \
    JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" nohup "$kc/bin/kc.sh" start-dev --import-realm \
    --http-host 127.0.0.1 --http-port "$MEDLABEL_KEYCLOAK_PORT" \
    --http-management-port "$((MEDLABEL_KEYCLOAK_PORT + 1))" \
    --db-url "jdbc:h2:file:$MEDLABEL_HOME/keycloak/keycloakdb;NON_KEYWORDS=VALUE" \
    > "$LOG_DIR/keycloak.log" 2>&1 &
  echo $! > "$RUN_DIR/keycloak.pid"
}

# Orthanc as the local PACS: loopback only, no DIMSE listener, no auth (nothing outside this machine reaches it),
# DICOMweb at /dicom-web; its database and files under $MEDLABEL_HOME/orthanc.
start_orthanc() {
  local dir=$MEDLABEL_HOME/orthanc
  mkdir -p "$dir/db"
  cat > "$dir/orthanc.json" <<JSON
{
  "Name": "medlabel-pacs",
  "StorageDirectory": "$dir/db", "IndexDirectory": "$dir/db", "StorageCompression": false,
  "HttpPort": $MEDLABEL_ORTHANC_PORT, "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "RegisteredUsers": {},
  "DicomServerEnabled": false, "DicomAet": "MEDLABEL",
  "ConcurrentJobs": 1, "StableAge": 2, "SaveJobs": false,
  "Plugins": [ "$ORTHANC_DICOMWEB_PLUGIN" ],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": true, "WadoRoot": "/wado", "Ssl": false }
}
JSON
  nohup Orthanc --logdir="$LOG_DIR" "$dir/orthanc.json" > "$LOG_DIR/orthanc.log" 2>&1 &
  echo $! > "$RUN_DIR/orthanc.pid"
}

# The environment that points a service, a test or a tool at this infrastructure.
infra_env() {
  cat <<ENV
export QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$MEDLABEL_PG_PORT/medlabel
export QUARKUS_DATASOURCE_USERNAME=medlabel
export QUARKUS_DATASOURCE_PASSWORD=medlabel
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$MEDLABEL_KAFKA_PORT
export MEDLABEL_S3_ENDPOINT=http://127.0.0.1:$MEDLABEL_S3_PORT
export MEDLABEL_S3_ACCESS_KEY=$MEDLABEL_S3_ACCESS_KEY
export MEDLABEL_S3_SECRET_KEY=$MEDLABEL_S3_SECRET_KEY
ENV
  if [[ " $INFRA_COMPONENTS " == *" orthanc "* ]]; then
    cat <<ENV
export MEDLABEL_DICOMWEB_URL=http://127.0.0.1:$MEDLABEL_ORTHANC_PORT/dicom-web
export MEDLABEL_DATASTORE_SOURCE=${MEDLABEL_DATASTORE_SOURCE:-dicomweb}
ENV
  fi
}

infra_start() {
  local wanted=${*:-$INFRA_COMPONENTS}
  infra_install
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local started=()
  if [[ " $wanted " == *" s3 "* ]] && ! pid_of s3 >/dev/null; then
    require_free_port s3 "$MEDLABEL_S3_PORT" MEDLABEL_S3_PORT
    start_s3; started+=(s3)
  fi
  if [[ " $wanted " == *" kafka "* ]] && ! pid_of kafka >/dev/null; then
    require_free_port kafka "$MEDLABEL_KAFKA_PORT" MEDLABEL_KAFKA_PORT
    require_free_port kafka "$MEDLABEL_KAFKA_CONTROLLER_PORT" MEDLABEL_KAFKA_CONTROLLER_PORT
    start_kafka; started+=(kafka)
  fi
  if [[ " $wanted " == *" keycloak "* ]] && ! pid_of keycloak >/dev/null; then
    require_free_port keycloak "$MEDLABEL_KEYCLOAK_PORT" MEDLABEL_KEYCLOAK_PORT
    start_keycloak; started+=(keycloak)
  fi
  if [[ " $wanted " == *" orthanc "* ]] && ! pid_of orthanc >/dev/null; then
    require_free_port orthanc "$MEDLABEL_ORTHANC_PORT" MEDLABEL_ORTHANC_PORT
    start_orthanc; started+=(orthanc)
  fi
  if [[ " $wanted " == *" postgres "* ]] && ! pid_of postgres >/dev/null; then
    require_free_port postgres "$MEDLABEL_PG_PORT" MEDLABEL_PG_PORT
    start_postgres
  fi
  local c
  for c in "${started[@]}"; do
    case $c in
      # S3Proxy answers an anonymous request with 403: any HTTP answer means it is up.
      s3) wait_for s3 60 "$(pid_of s3)" curl -s -o /dev/null "http://127.0.0.1:$MEDLABEL_S3_PORT/" ;;
      kafka) wait_for kafka 90 "$(pid_of kafka)" grep -q "Kafka Server started" "$LOG_DIR/kafka.log" ;;
      # the first start re-augments Keycloak (~40 s); later ones take ~15 s
      keycloak) wait_for keycloak 180 "$(pid_of keycloak)" \
        curl -sf -o /dev/null "http://127.0.0.1:$MEDLABEL_KEYCLOAK_PORT/realms/monailabel/.well-known/openid-configuration" ;;
      orthanc) wait_for orthanc 60 "$(pid_of orthanc)" curl -sf -o /dev/null "http://127.0.0.1:$MEDLABEL_ORTHANC_PORT/system" ;;
    esac
  done
  infra_env > "$RUN_DIR/infra.env"
}

infra_stop() {
  local wanted=${*:-$INFRA_COMPONENTS}
  # shellcheck disable=SC2086 # a list of names
  stop_components $wanted
}
