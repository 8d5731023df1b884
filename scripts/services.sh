#!/usr/bin/env bash
# Local backing services for development and the integration tests: PostgreSQL, Redis and a
# single-node Kafka broker (KRaft, assembled from Maven Central jars). No Docker needed.
#
#   scripts/services.sh up     [postgres|redis|kafka ...]  start what is not running, wait, print env
#   scripts/services.sh down   [postgres|redis|kafka ...]  stop, then delete runtime state (data, logs,
#                                                          pid files); the fetched Kafka jars are kept
#   scripts/services.sh stop   [postgres|redis|kafka ...]  stop, keep state
#   scripts/services.sh status [postgres|redis|kafka ...]  report; exit 0 only if all named are running
#   scripts/services.sh env                                 export lines: eval "$(scripts/services.sh env)"
#   scripts/services.sh start-kafka | stop-kafka | kill-kafka | restart-kafka
#   scripts/services.sh logs [postgres|redis|kafka]         tail the service logs
#
# Environment (all optional):
#   CHURN_SERVICES_DIR        state folder (default <repo>/.services)
#   CHURN_PG_PORT             PostgreSQL port (default 54329)
#   CHURN_REDIS_PORT          Redis port (default 63799)
#   CHURN_KAFKA_PORT          Kafka client listener port (default 19092)
#   CHURN_KAFKA_CONTROLLER_PORT  KRaft controller listener port (default 19093)
#   CHURN_KAFKA_HEAP          Kafka JVM heap flags (default "-Xmx512m -Xms256m")
#   CHURN_KAFKA_READY_TIMEOUT seconds to wait for the broker (default 90)
#   CHURN_PG_BIN              PostgreSQL bin dir (default newest /usr/lib/postgresql/*/bin)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${CHURN_SERVICES_DIR:-$ROOT/.services}"
HOST=127.0.0.1
PG_PORT="${CHURN_PG_PORT:-54329}"
REDIS_PORT="${CHURN_REDIS_PORT:-63799}"
KAFKA_PORT="${CHURN_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${CHURN_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HEAP="${CHURN_KAFKA_HEAP:--Xmx512m -Xms256m}"
KAFKA_READY_TIMEOUT="${CHURN_KAFKA_READY_TIMEOUT:-90}"
KAFKA_POM="$ROOT/scripts/kafka/pom.xml"
ALL_SERVICES=(postgres redis kafka)

PG_DIR="$SERVICES_DIR/postgres"
REDIS_DIR="$SERVICES_DIR/redis"
KAFKA_DIR="$SERVICES_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { if [[ -s "$1" ]]; then head -n1 "$1" | tr -dc '0-9'; fi; }

# wait_gone PID SECONDS: wait for a process to exit; returns 1 on timeout.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

as_root() { [[ $EUID -eq 0 ]] || die "need root to $*"; }

apt_install() {
  # Waits for the dpkg lock instead of failing when another apt process is running.
  as_root "install $*"
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
  log "apt-get install $*"
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "$@" >&2; then
    log "install failed; running apt-get update and retrying"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >&2
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "$@" >&2
  fi
}

need_cmd() { # need_cmd CMD PACKAGE...
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 || apt_install "$@"
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing $*"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

pg_bin() {
  if [[ -n "${CHURN_PG_BIN:-}" ]]; then echo "$CHURN_PG_BIN"; return; fi
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1 || true)
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; fi
}

# PostgreSQL refuses to run as root: as root, run its binaries as the `postgres` OS user.
pg_as() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() { pg_as "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; }

pg_pid() { if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then head -n1 "$PG_DIR/data/postmaster.pid"; fi; }

pg_ensure_installed() {
  if [[ -z "$(pg_bin)" ]]; then
    apt_install postgresql
  fi
  [[ -n "$(pg_bin)" ]] || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
}

pg_up() {
  pg_ensure_installed
  local bin
  bin=$(pg_bin)
  mkdir -p "$PG_DIR"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' is missing (it comes with the postgresql package)"
    chown postgres: "$PG_DIR"
    runuser -u postgres -- test -x "$PG_DIR" ||
      die "user 'postgres' cannot reach $PG_DIR (a parent folder is not world-executable); set CHURN_SERVICES_DIR to e.g. /var/tmp/churn-services"
  fi
  if [[ ! -s "$PG_DIR/data/PG_VERSION" ]]; then
    log "postgres: initdb ($bin)"
    rm -rf "$PG_DIR/data"
    pg_as "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
      { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    printf "\ninclude_if_exists = 'churn.conf'\n" >>"$PG_DIR/data/postgresql.conf"
  fi
  # Regenerated every start so that port changes apply. Durability is traded for speed: this is a
  # throwaway development/test database.
  cat >"$PG_DIR/data/churn.conf" <<EOF
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if [[ $EUID -eq 0 ]]; then chown postgres: "$PG_DIR/data/churn.conf"; fi

  if pg_running; then
    log "postgres: already running (pid $(pg_pid))"
  else
    port_open "$PG_PORT" && die "port $PG_PORT is already in use by another process (set CHURN_PG_PORT)"
    log "postgres: starting on $HOST:$PG_PORT"
    if [[ $EUID -eq 0 ]]; then touch "$PG_DIR/postgres.log" && chown postgres: "$PG_DIR/postgres.log"; fi
    if ! pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 start >/dev/null; then
      tail -n 40 "$PG_DIR/postgres.log" >&2 || true
      die "postgres failed to start"
    fi
  fi
  local deadline=$((SECONDS + 30))
  until "$bin/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U postgres; do
    ((SECONDS < deadline)) || { tail -n 40 "$PG_DIR/postgres.log" >&2; die "postgres not ready"; }
    sleep 0.3
  done
  if [[ "$("$bin/psql" -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'churn'")" != 1 ]]; then
    "$bin/createdb" -h "$HOST" -p "$PG_PORT" -U postgres churn
    log "postgres: created database churn"
  fi
  log "postgres: ready"
}

pg_stop() {
  local bin
  bin=$(pg_bin)
  if [[ -n "$bin" && -d "$PG_DIR/data" ]] && pg_running; then
    log "postgres: stopping"
    pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null ||
      pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null
  fi
}

pg_status() {
  if [[ -n "$(pg_bin)" && -d "$PG_DIR/data" ]] && pg_running; then
    echo "postgres: running (pid $(pg_pid), $HOST:$PG_PORT, db churn)"
  else
    echo "postgres: stopped"; return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

redis_pid() { read_pid "$REDIS_DIR/redis.pid"; }
redis_running() { pid_alive "$(redis_pid)"; }

redis_up() {
  need_cmd redis-server redis-server
  need_cmd redis-cli redis-tools
  mkdir -p "$REDIS_DIR"
  if redis_running; then
    log "redis: already running (pid $(redis_pid))"
  else
    port_open "$REDIS_PORT" && die "port $REDIS_PORT is already in use by another process (set CHURN_REDIS_PORT)"
    cat >"$REDIS_DIR/redis.conf" <<EOF
bind $HOST
port $REDIS_PORT
protected-mode no
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
save ""
appendonly no
EOF
    rm -f "$REDIS_DIR/redis.pid"
    log "redis: starting on $HOST:$REDIS_PORT"
    redis-server "$REDIS_DIR/redis.conf" >&2 || { tail -n 20 "$REDIS_DIR/redis.log" >&2 || true; die "redis failed to start"; }
  fi
  local deadline=$((SECONDS + 20))
  until [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; do
    ((SECONDS < deadline)) || { tail -n 20 "$REDIS_DIR/redis.log" >&2 || true; die "redis not ready"; }
    sleep 0.2
  done
  log "redis: ready"
}

redis_stop() {
  local pid
  pid=$(redis_pid)
  if pid_alive "$pid"; then
    log "redis: stopping"
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    wait_gone "$pid" 15 || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$REDIS_DIR/redis.pid"
}

redis_status() {
  if redis_running; then
    echo "redis: running (pid $(redis_pid), $HOST:$REDIS_PORT)"
  else
    echo "redis: stopped"; return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Kafka (KRaft, broker+controller in one JVM)
# ---------------------------------------------------------------------------------------------

kafka_pid() { read_pid "$KAFKA_DIR/kafka.pid"; }

kafka_running() {
  local pid
  pid=$(kafka_pid)
  pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

kafka_java() { java -cp "$KAFKA_LIBS/*" "$@"; }

kafka_fetch() {
  need_cmd java openjdk-17-jre-headless
  local stamp want
  want=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  stamp="$KAFKA_LIBS/.fetched"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  need_cmd mvn maven
  log "kafka: fetching jars from Maven Central (first time only; cached in ~/.m2)"
  local tmp="$KAFKA_DIR/libs.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  local t0=$SECONDS
  # (sed: Maven 3.8 still prints ANSI resets in batch/quiet mode)
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    die "maven fetch failed (mvn -f $KAFKA_POM dependency:copy-dependencies)"
  fi
  local jar found=""
  for jar in "$tmp"/kafka_2.13-*.jar; do
    # zip central directories store entry names uncompressed: no unzip/jar tool needed
    grep -qa 'kafka/tools/StorageTool.class' "$jar" && found=1
  done
  [[ -n "$found" ]] || die "kafka.tools.StorageTool not found in the fetched jars"
  echo "$want" >"$tmp/.fetched"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka: fetched $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - t0))s"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Generated by scripts/services.sh -- edits are overwritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DIR/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# after a crash (kill-kafka) the restarted broker waits for its previous session to expire (default 9 s)
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$KAFKA_DIR/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="kafka.log.LogCleaner" level="warn"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="kafka.coordinator" level="warn"/>
  </Loggers>
</Configuration>
EOF
  cat >"$KAFKA_DIR/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="error">
  <Appenders>
    <Console name="STDERR" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers><Root level="error"><AppenderRef ref="STDERR"/></Root></Loggers>
</Configuration>
EOF
}

kafka_format() {
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    # Same format as `kafka.tools.StorageTool random-uuid` (URL-safe base64 of 16 random bytes, no
    # padding, not starting with '-') without paying for a JVM start.
    local id
    until [[ "${id:-}" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]]; do
      id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
    echo "$id" >"$KAFKA_DIR/cluster.id"
  fi
  log "kafka: formatting storage (cluster id $(cat "$KAFKA_DIR/cluster.id"))"
  kafka_java -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.xml" kafka.tools.StorageTool format \
    -t "$(cat "$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" --ignore-formatted >&2 ||
    die "kafka storage format failed"
}

# One metadata round trip through the real client stack.
kafka_probe() {
  timeout 30 java -cp "$KAFKA_LIBS/*" -Xmx128m -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.xml" \
    org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --list >/dev/null 2>&1
}

kafka_wait_ready() {
  local pid=$1 deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! pid_alive "$pid"; then
      tail -n 60 "$KAFKA_DIR/kafka.log" >&2 || true
      die "kafka exited during startup (log: $KAFKA_DIR/kafka.log)"
    fi
    # Cheap check first (the log line is written once the broker is registered and unfenced), then
    # one real metadata round trip; avoids starting probe JVMs that compete with the broker for CPU.
    if grep -q 'Kafka Server started' "$KAFKA_DIR/kafka.log" 2>/dev/null && port_open "$KAFKA_PORT"; then
      kafka_probe && return 0
      sleep 1
    else
      sleep 0.3
    fi
  done
  tail -n 60 "$KAFKA_DIR/kafka.log" >&2 || true
  die "kafka not ready after ${KAFKA_READY_TIMEOUT}s (log: $KAFKA_DIR/kafka.log)"
}

kafka_up() {
  mkdir -p "$KAFKA_DIR"
  kafka_fetch
  if kafka_running; then
    log "kafka: already running (pid $(kafka_pid))"
  else
    port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use by another process (set CHURN_KAFKA_PORT)"
    port_open "$KAFKA_CONTROLLER_PORT" && die "port $KAFKA_CONTROLLER_PORT is already in use (set CHURN_KAFKA_CONTROLLER_PORT)"
    kafka_write_config
    kafka_format
    log "kafka: starting on $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT)"
    if [[ -f "$KAFKA_DIR/kafka.log" ]]; then mv -f "$KAFKA_DIR/kafka.log" "$KAFKA_DIR/kafka.log.1"; fi
    # setsid: own session, so Ctrl-C / process-group kills aimed at the caller do not hit the broker.
    # shellcheck disable=SC2086
    (cd "$KAFKA_DIR" && exec setsid nohup java $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" \
      -Dkafka.logs.dir="$KAFKA_DIR" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
      >"$KAFKA_DIR/kafka.log" 2>&1 </dev/null) &
    local pid=$!
    echo "$pid" >"$KAFKA_DIR/kafka.pid"
    sleep 0.5
    if ! kafka_running; then
      # in case setsid had to fork, find the JVM by its (unique) config path
      pid=$(pgrep -f "kafka\.Kafka $KAFKA_DIR/server\.properties" | head -n1 || true)
      if [[ -n "$pid" ]]; then echo "$pid" >"$KAFKA_DIR/kafka.pid"; fi
    fi
  fi
  kafka_wait_ready "$(kafka_pid)"
  log "kafka: ready"
}

# kafka_stop [signal]: TERM = controlled shutdown (falls back to KILL after 60 s); KILL = crash.
kafka_stop() {
  local sig=${1:-TERM} pid
  pid=$(kafka_pid)
  if kafka_running; then
    log "kafka: stopping (SIG$sig, pid $pid)"
    kill -s "$sig" "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 60; then
      log "kafka: did not stop within 60s, killing"
      kill -9 "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || true
    fi
  fi
  rm -f "$KAFKA_DIR/kafka.pid"
  # The client port is released a moment after exit; make a following start safe.
  local deadline=$((SECONDS + 15))
  while port_open "$KAFKA_PORT" && ((SECONDS < deadline)); do sleep 0.2; done
}

kafka_status() {
  if kafka_running; then
    echo "kafka: running (pid $(kafka_pid), $HOST:$KAFKA_PORT, controller $HOST:$KAFKA_CONTROLLER_PORT)"
  else
    echo "kafka: stopped"; return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------

print_env() {
  echo "export DATABASE_URL=postgres://postgres@$HOST:$PG_PORT/churn"
  echo "export REDIS_URL=redis://$HOST:$REDIS_PORT"
  echo "export KAFKA_BROKERS=$HOST:$KAFKA_PORT"
}

services_from_args() {
  if (($# == 0)); then printf '%s\n' "${ALL_SERVICES[@]}"; return; fi
  local s
  for s in "$@"; do
    case $s in
      postgres | pg) echo postgres ;;
      redis) echo redis ;;
      kafka) echo kafka ;;
      *) die "unknown service '$s' (expected: ${ALL_SERVICES[*]})" ;;
    esac
  done
}

svc_up() { case $1 in postgres) pg_up ;; redis) redis_up ;; kafka) kafka_up ;; esac; }
svc_stop() { case $1 in postgres) pg_stop ;; redis) redis_stop ;; kafka) kafka_stop ;; esac; }
svc_status() { case $1 in postgres) pg_status ;; redis) redis_status ;; kafka) kafka_status ;; esac; }
svc_clean() {
  case $1 in
    postgres) rm -rf "$PG_DIR" ;;
    redis) rm -rf "$REDIS_DIR" ;;
    # keep the fetched jars: they are the slow part of a first `up`
    kafka) [[ -d "$KAFKA_DIR" ]] && find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} + ;;
  esac
  return 0
}

cmd=${1:-}
(($# > 0)) && shift
case $cmd in
  up)
    mkdir -p "$SERVICES_DIR"
    t0=$SECONDS
    mapfile -t svcs < <(services_from_args "$@")
    for s in "${svcs[@]}"; do svc_up "$s"; done
    log "up in $((SECONDS - t0))s"
    print_env
    ;;
  down)
    mapfile -t svcs < <(services_from_args "$@")
    for s in "${svcs[@]}"; do svc_stop "$s"; svc_clean "$s"; done
    ;;
  stop)
    mapfile -t svcs < <(services_from_args "$@")
    for s in "${svcs[@]}"; do svc_stop "$s"; done
    ;;
  status)
    mapfile -t svcs < <(services_from_args "$@")
    rc=0
    for s in "${svcs[@]}"; do svc_status "$s" || rc=3; done
    exit $rc
    ;;
  env) print_env ;;
  start-kafka) kafka_up ;;
  stop-kafka) kafka_stop TERM ;;
  kill-kafka) kafka_stop KILL ;;
  restart-kafka) kafka_stop TERM; kafka_up ;;
  logs)
    mapfile -t svcs < <(services_from_args "$@")
    for s in "${svcs[@]}"; do
      case $s in
        postgres) f="$PG_DIR/postgres.log" ;;
        redis) f="$REDIS_DIR/redis.log" ;;
        kafka) f="$KAFKA_DIR/kafka.log" ;;
      esac
      echo "==> $f <=="
      tail -n 50 "$f" 2>/dev/null || echo "(no log)"
    done
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
