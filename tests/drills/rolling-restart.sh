#!/usr/bin/env bash
# Drill: a rolling restart under load, counting every failed request.
#
# Every service runs as two replicas (separate processes, as pods would) on MariaDB + Redis,
# each behind an HAProxy frontend that stands in for its Kubernetes Service (health checks on
# the replicas' /readyz on the operational port, connection failures retried elsewhere).
# `wayfare load` drives shoppers through the gateway's frontend while each replica of every
# service in turn gets SIGTERM and is replaced by a new process. Must hold: 0 failed requests
# and every invariant (`--slo errors=0`). Loopback only; bounded in time.
#
# Usage: tests/drills/rolling-restart.sh   (WAYFARE_BIN, DRILL_OUT, DRILL_RATE, DRILL_SECONDS)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${WAYFARE_BIN:-target/debug/wayfare}
OUT=${DRILL_OUT:-drill-reports}
RATE=${DRILL_RATE:-15}
SECONDS_OF_LOAD=${DRILL_SECONDS:-60}
MYSQL=${WAYFARE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
REDIS=${WAYFARE_TEST_REDIS_URL:-redis://127.0.0.1:6379}
SERVICES=(auth catalog payment order gateway)
BASE_PORT=$((31000 + ($$ % 200) * 50))

log() { printf '[drill] %s\n' "$*"; }
command -v haproxy >/dev/null || { log "haproxy is not installed (apt-get install haproxy)"; exit 2; }
[ -x "$BIN" ] || cargo build --locked --bin wayfare

work=$(mktemp -d)
db="wf_drill_$$"
declare -A PID
cleanup() {
  for key in "${!PID[@]}"; do kill -KILL "${PID[$key]}" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
export WAYFARE_DATABASE_URL="$MYSQL/$db" WAYFARE_REDIS_URL="$REDIS" WAYFARE_CACHE_NAMESPACE="drill-$$" \
  WAYFARE_SERVICE_KEY="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  WAYFARE_JWT_SIGNING_KEY="$("$BIN" keygen)" WAYFARE_RATE_LIMIT_ENABLED=false \
  WAYFARE_DRAIN_DELAY_SECONDS=2 WAYFARE_SHUTDOWN_GRACE_SECONDS=15 WAYFARE_LOG=warn \
  WAYFARE_LOG_FORMAT=json WAYFARE_SEED_DEMO_DATA=true WAYFARE_DATA_DIR="$work/data"

lb_port() { echo $((BASE_PORT + 10 * $1)); }
public_port() { echo $((BASE_PORT + 10 * $1 + 1 + $2)); }
ops_port() { echo $((BASE_PORT + 10 * $1 + 5 + $2)); }
for i in "${!SERVICES[@]}"; do
  s=${SERVICES[$i]}
  [ "$s" = gateway ] && continue
  export "WAYFARE_${s^^}_URL=http://127.0.0.1:$(lb_port "$i")"
done

"$BIN" migrate >/dev/null

start_replica() { # service index, replica
  local i=$1 r=$2 s=${SERVICES[$1]}
  WAYFARE_TARGET=$s WAYFARE_LISTEN="127.0.0.1:$(public_port "$i" "$r")" \
    WAYFARE_OPS_LISTEN="127.0.0.1:$(ops_port "$i" "$r")" \
    "$BIN" serve >>"$work/$s-$r.log" 2>&1 &
  PID[$s-$r]=$!
  disown "$!"
}
stop_replica() { # service, replica: SIGTERM, then wait for the process to finish draining
  local pid=${PID[$1-$2]}
  kill -TERM "$pid"
  for _ in $(seq 1 400); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "$1 replica $2 did not stop within 40 s"; return 1
}
wait_ready() { # service index, replica
  local url="http://127.0.0.1:$(ops_port "$1" "$2")/readyz"
  for _ in $(seq 1 300); do
    curl -fs "$url" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "${SERVICES[$1]} replica $2 did not become ready"; tail -20 "$work/${SERVICES[$1]}-$2.log"; return 1
}

for i in "${!SERVICES[@]}"; do
  for r in 0 1; do start_replica "$i" "$r"; done
  for r in 0 1; do wait_ready "$i" "$r"; done
done

{
  echo "global"
  echo "  maxconn 4096"
  echo "defaults"
  echo "  mode http"
  echo "  timeout connect 1s"
  echo "  timeout client 30s"
  echo "  timeout server 30s"
  echo "  timeout check 2s"
  echo "  retries 3"
  echo "  option redispatch"
  echo "  retry-on conn-failure empty-response"
  for i in "${!SERVICES[@]}"; do
    s=${SERVICES[$i]}
    echo "frontend fe_$s"
    echo "  bind 127.0.0.1:$(lb_port "$i")"
    echo "  default_backend be_$s"
    echo "backend be_$s"
    echo "  option httpchk GET /readyz"
    for r in 0 1; do
      echo "  server r$r 127.0.0.1:$(public_port "$i" "$r") check port $(ops_port "$i" "$r") inter 500 fall 2 rise 1"
    done
  done
} >"$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid"
gateway_index=$((${#SERVICES[@]} - 1))
target="http://127.0.0.1:$(lb_port "$gateway_index")"
for _ in $(seq 1 100); do curl -fs "$target/api/catalog/categories" >/dev/null && break; sleep 0.1; done

mkdir -p "$OUT"
report="$OUT/rolling-restart"
log "load: $RATE scenarios/s for ${SECONDS_OF_LOAD}s through $target"
"$BIN" load --target "$target" --rate "$RATE" --duration "${SECONDS_OF_LOAD}s" --ramp 3s \
  --slo "errors=0" --report "$report" >"$work/load.out" 2>&1 &
load_pid=$!
sleep 5
restarted=0
for i in "${!SERVICES[@]}"; do
  for r in 0 1; do
    s=${SERVICES[$i]}
    log "restarting $s replica $r"
    stop_replica "$s" "$r"
    start_replica "$i" "$r"
    wait_ready "$i" "$r"
    restarted=$((restarted + 1))
    sleep 1
  done
done
log "$restarted replicas restarted; waiting for the load to end"
status=0
wait "$load_pid" || status=$?
cat "$work/load.out"
{
  echo "# Drill: rolling restart"
  echo
  echo "$restarted replicas (2 of each of ${SERVICES[*]}) replaced one at a time under $RATE scenarios/s."
  echo
  sed -n '/^| requests/,/^$/p' "$report/report.md"
  echo "Verdict: $([ "$status" = 0 ] && echo PASSED || echo FAILED) (must hold: 0 failed requests, invariants)."
} >"$OUT/rolling-restart.md"
cat "$OUT/rolling-restart.md"
exit "$status"
