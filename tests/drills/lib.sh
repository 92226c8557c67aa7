# Shared setup of the drills (sourced, not run): the platform as separate processes on MariaDB
# + Redis, every service as replicas behind an HAProxy frontend that stands in for its
# Kubernetes Service (health checks on the replicas' /readyz on the operational port,
# connection failures retried elsewhere, a runtime API socket for switches), `wayfare load`
# through the gateway's frontend, event timing, checks and the report.
#
# A drill sets DRILL_NAME (and optionally SERVICES, REPLICAS[<service>], LB_DISABLED[<service>])
# then calls, in order: drill_init; [chaos_db_start] [drill_redis_start] [psp_start];
# platform_start; load_start SECONDS; … event_begin … event_end …; load_finish;
# check …; report_write "Title" "what happened".
#
# Environment: WAYFARE_BIN (default target/debug/wayfare), DRILL_OUT (drill-reports),
# DRILL_RATE (scenarios/s, 12), WAYFARE_TEST_MYSQL_URL, WAYFARE_TEST_REDIS_URL.
# Loopback only; every wait is bounded.

set -euo pipefail
DRILL_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$DRILL_LIB_DIR/../.."
BIN=${WAYFARE_BIN:-target/debug/wayfare}
OUT=${DRILL_OUT:-drill-reports}
RATE=${DRILL_RATE:-12}
MYSQL=${WAYFARE_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
REDIS=${WAYFARE_TEST_REDIS_URL:-redis://127.0.0.1:6379}
PY=${PYTHON:-python3}
TOOL="$PY $DRILL_LIB_DIR/drilltool.py"
[ -n "${SERVICES+x}" ] || SERVICES=(auth catalog payment order gateway)
declare -A REPLICAS LB_DISABLED PID
declare -a EXTRA_PIDS=() CHECKS=()
DRILL_FAILED=0
EVENT_FROM="" EVENT_TO=""

log() { printf '[%s %s] %s\n' "$(date -u +%H:%M:%S)" "${DRILL_NAME:-drill}" "$*"; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
now() { date +%s.%N; }

# Ports: a block of 60 per drill process, below the kernel's ephemeral range (32768+, where
# outgoing connections take their local ports and could hold one of ours). Per service i: the
# frontend +10i, replica r's public port +10i+1+r and operational port +10i+5+r (r < 4); the
# drill's own helpers from +50. A block with any port already listening is skipped.
block_free() {
  local p
  for p in $(seq "$1" $(($1 + 59))); do port_free "$p" || return 1; done
}
pick_ports() {
  local tries=0
  BASE_PORT=$((20000 + ($$ % 200) * 60))
  while ! block_free "$BASE_PORT"; do
    tries=$((tries + 1))
    [ "$tries" -lt 200 ] || { log "no free block of ports"; exit 2; }
    BASE_PORT=$((20000 + ((($$ + tries) % 200) * 60)))
  done
  DB_PROXY_PORT=$((BASE_PORT + 50))
  DB_CONTROL_PORT=$((BASE_PORT + 51))
  OWN_REDIS_PORT=$((BASE_PORT + 52))
  PSP_PORT=$((BASE_PORT + 53))
}
svc_index() { local i; for i in "${!SERVICES[@]}"; do [ "${SERVICES[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo "unknown service $1" >&2; return 1; }
lb_port() { echo $((BASE_PORT + 10 * $(svc_index "$1"))); }
public_port() { echo $((BASE_PORT + 10 * $(svc_index "$1") + 1 + $2)); }
ops_port() { echo $((BASE_PORT + 10 * $(svc_index "$1") + 5 + $2)); }
replicas_of() { seq 0 $((${REPLICAS[$1]:-2} - 1)); }

drill_cleanup() {
  local rc=$? key
  for key in "${!PID[@]}"; do kill -KILL "${PID[$key]}" 2>/dev/null || true; done
  for key in "${EXTRA_PIDS[@]}"; do kill -KILL "$key" 2>/dev/null || true; done
  [ -f "$WORK/haproxy.pid" ] && kill "$(cat "$WORK/haproxy.pid")" 2>/dev/null || true
  [ -n "${LOAD_PID:-}" ] && kill "$LOAD_PID" 2>/dev/null || true
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true
  if { [ "$rc" != 0 ] || [ "$DRILL_FAILED" != 0 ]; } && [ -d "$WORK" ]; then
    mkdir -p "$OUT/$DRILL_NAME-logs" && cp "$WORK"/*.log "$OUT/$DRILL_NAME-logs/" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}

drill_init() {
  command -v haproxy >/dev/null || { log "haproxy is not installed (apt-get install haproxy)"; exit 2; }
  command -v "$PY" >/dev/null || { log "python3 is needed"; exit 2; }
  [ -x "$BIN" ] || cargo build --locked --bin wayfare
  pick_ports
  WORK=$(mktemp -d)
  DB="wf_drill_$$"
  trap drill_cleanup EXIT
  mkdir -p "$OUT"
  rm -rf "${OUT:?}/$DRILL_NAME" "$OUT/$DRILL_NAME-logs" "$OUT/$DRILL_NAME.md" "$OUT/$DRILL_NAME.json"
  mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
  DB_URL="$MYSQL/$DB"
  export WAYFARE_DATABASE_URL="$DB_URL" WAYFARE_REDIS_URL="$REDIS" WAYFARE_CACHE_NAMESPACE="drill-$$" \
    WAYFARE_SERVICE_KEY="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    WAYFARE_JWT_SIGNING_KEY="$("$BIN" keygen)" WAYFARE_RATE_LIMIT_ENABLED=false \
    WAYFARE_DRAIN_DELAY_SECONDS=2 WAYFARE_SHUTDOWN_GRACE_SECONDS=15 WAYFARE_LOG=warn \
    WAYFARE_LOG_FORMAT=json WAYFARE_SEED_DEMO_DATA=true WAYFARE_DATA_DIR="$WORK/data" \
    WAYFARE_RECONCILE_AFTER_MS=${WAYFARE_RECONCILE_AFTER_MS:-6000} \
    WAYFARE_RECONCILE_INTERVAL_MS=${WAYFARE_RECONCILE_INTERVAL_MS:-2000}
  LOADAVG_START=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')
  log "ports $BASE_PORT+, database $DB, work $WORK, load average $LOADAVG_START on $(nproc) cores"
}

# --- the database behind a chaos proxy (drills that cut it) ----------------------------------
chaos_db_start() {
  local host_port=${MYSQL#mysql://}
  host_port=${host_port#*@}
  host_port=${host_port%%/*}
  case "$host_port" in *:*) ;; *) host_port="$host_port:3306" ;; esac
  "$PY" "$DRILL_LIB_DIR/chaos_proxy.py" --listen "127.0.0.1:$DB_PROXY_PORT" --upstream "$host_port" \
    --control "127.0.0.1:$DB_CONTROL_PORT" --max-seconds 1200 >>"$WORK/chaos-proxy.log" 2>&1 &
  EXTRA_PIDS+=("$!")
  disown "$!"
  wait_http "http://127.0.0.1:$DB_CONTROL_PORT/stats" 50 || { log "chaos proxy did not start"; exit 2; }
  local userinfo=${MYSQL#mysql://}
  case "$userinfo" in *@*) userinfo="${userinfo%%@*}@" ;; *) userinfo="" ;; esac
  export WAYFARE_DATABASE_URL="mysql://${userinfo}127.0.0.1:$DB_PROXY_PORT/$DB"
  log "services reach MariaDB through the chaos proxy on $DB_PROXY_PORT"
}
chaos_db() { curl -fsS -m 5 -X POST "http://127.0.0.1:$DB_CONTROL_PORT/mode/$1"; echo; }

# --- the drill's own Redis (drills that stop it) ---------------------------------------------
drill_redis_start() {
  command -v redis-server >/dev/null || { log "redis-server is needed"; exit 2; }
  redis-server --bind 127.0.0.1 --port "$OWN_REDIS_PORT" --save '' --appendonly no \
    --daemonize no --dir "$WORK" >>"$WORK/redis.log" 2>&1 &
  OWN_REDIS_PID=$!
  EXTRA_PIDS+=("$OWN_REDIS_PID")
  disown "$OWN_REDIS_PID"
  local i
  for i in $(seq 1 50); do
    redis-cli -p "$OWN_REDIS_PORT" ping >/dev/null 2>&1 && break
    [ "$i" = 50 ] && { log "own redis did not start"; exit 2; }
    sleep 0.1
  done
  export WAYFARE_REDIS_URL="redis://127.0.0.1:$OWN_REDIS_PORT"
}
drill_redis_stop() { kill -TERM "$OWN_REDIS_PID" 2>/dev/null || true; wait_gone "$OWN_REDIS_PID" 100; }

# --- the payment provider simulator (drills that slow it) ------------------------------------
psp_start() {
  "$PY" "$DRILL_LIB_DIR/psp.py" --listen "127.0.0.1:$PSP_PORT" --max-seconds 1200 >>"$WORK/psp.log" 2>&1 &
  EXTRA_PIDS+=("$!")
  disown "$!"
  wait_http "http://127.0.0.1:$PSP_PORT/healthz" 50 || { log "psp did not start"; exit 2; }
  export WAYFARE_PAYMENT_PROVIDER_URL="http://127.0.0.1:$PSP_PORT"
}

# --- replicas ---------------------------------------------------------------------------------
wait_http() { # url, tries of 0.1 s
  local i
  for i in $(seq 1 "$2"); do curl -fs -m 2 "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
wait_gone() { # pid, tries of 0.1 s
  local i
  for i in $(seq 1 "$2"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
start_replica() { # service, replica
  local s=$1 r=$2
  WAYFARE_TARGET=$s WAYFARE_LISTEN="127.0.0.1:$(public_port "$s" "$r")" \
    WAYFARE_OPS_LISTEN="127.0.0.1:$(ops_port "$s" "$r")" \
    "$BIN" serve >>"$WORK/$s-$r.log" 2>&1 &
  PID[$s-$r]=$!
  disown "$!"
}
stop_replica() { # service, replica: SIGTERM, then wait for the process to finish draining
  kill -TERM "${PID[$1-$2]}"
  wait_gone "${PID[$1-$2]}" 400 && return 0
  log "$1 replica $2 did not stop within 40 s"; return 1
}
kill_replica() { kill -KILL "${PID[$1-$2]}"; wait_gone "${PID[$1-$2]}" 50; }
wait_ready() { # service, replica
  wait_http "http://127.0.0.1:$(ops_port "$1" "$2")/readyz" 300 && return 0
  log "$1 replica $2 did not become ready"; tail -20 "$WORK/$1-$2.log"; return 1
}

haproxy_config() {
  local s r
  {
    echo "global"
    echo "  maxconn 4096"
    echo "  stats socket $WORK/haproxy.sock mode 600 level admin"
    echo "defaults"
    echo "  mode http"
    echo "  timeout connect 1s"
    echo "  timeout client 30s"
    echo "  timeout server 30s"
    echo "  timeout check 2s"
    echo "  retries 3"
    echo "  option redispatch"
    echo "  retry-on conn-failure empty-response"
    for s in "${SERVICES[@]}"; do
      echo "frontend fe_$s"
      echo "  bind 127.0.0.1:$(lb_port "$s")"
      echo "  default_backend be_$s"
      echo "backend be_$s"
      echo "  option httpchk GET /readyz"
      for r in $(replicas_of "$s"); do
        local disabled=""
        [[ " ${LB_DISABLED[$s]:-} " == *" $r "* ]] && disabled=" disabled"
        echo "  server r$r 127.0.0.1:$(public_port "$s" "$r") check port $(ops_port "$s" "$r") inter 500 fall 2 rise 1$disabled"
      done
    done
  } >"$WORK/haproxy.cfg"
}
# HAProxy's runtime API (the stats socket).
hap() {
  "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall((sys.argv[2]+"\n").encode()); out=b""
while True:
    d=s.recv(65536)
    if not d: break
    out+=d
sys.stdout.write(out.decode())' "$WORK/haproxy.sock" "$*"
}
# Whether HAProxy sees backend be_<service>'s server r<replica> UP (by its health checks).
hap_up() { hap "show stat" | awk -F, -v b="be_$1" -v s="r$2" '$1==b && $2==s {print $18}' | grep -q '^UP'; }
wait_hap_up() { # service, replica
  local i
  for i in $(seq 1 100); do hap_up "$1" "$2" && return 0; sleep 0.1; done
  log "HAProxy does not see $1 replica $2 UP"; return 1
}

platform_start() {
  local s r
  for s in "${SERVICES[@]}"; do
    [ "$s" = gateway ] && continue
    export "WAYFARE_${s^^}_URL=http://127.0.0.1:$(lb_port "$s")"
  done
  "$BIN" migrate >/dev/null
  for s in "${SERVICES[@]}"; do
    for r in $(replicas_of "$s"); do
      [[ " ${LB_DISABLED[$s]:-} " == *" $r "* ]] && continue
      start_replica "$s" "$r"
    done
    for r in $(replicas_of "$s"); do
      [[ " ${LB_DISABLED[$s]:-} " == *" $r "* ]] && continue
      wait_ready "$s" "$r"
    done
  done
  haproxy_config
  haproxy -f "$WORK/haproxy.cfg" -D -p "$WORK/haproxy.pid"
  TARGET="http://127.0.0.1:$(lb_port gateway)"
  wait_http "$TARGET/api/catalog/categories" 100 || { log "the platform does not answer"; exit 2; }
  platform_warm
}
# Every replica that verifies tokens fetches auth's JWKS on the first token it sees: one
# authenticated request straight at each replica, so the drill starts warm (PROBE_TOKEN is
# the probe user's access token, for the drills' probes too).
platform_warm() {
  local s r path
  PROBE_TOKEN=$(probe_token)
  for s in "${SERVICES[@]}"; do
    case "$s" in
      gateway | auth) path=/api/auth/me ;;
      order) path="/api/orders?limit=1" ;;
      payment) path=/api/payments/warm-up ;;
      *) path="/api/catalog/products?limit=1" ;;
    esac
    for r in $(replicas_of "$s"); do
      [[ " ${LB_DISABLED[$s]:-} " == *" $r "* ]] && continue
      curl -s -o /dev/null -m 10 -H "Authorization: Bearer $PROBE_TOKEN" "http://127.0.0.1:$(public_port "$s" "$r")$path" || true
    done
  done
}

# --- load, events, checks, report -------------------------------------------------------------
load_start() { # seconds [extra `wayfare load` flags]
  local seconds=$1
  shift
  LOAD_REPORT="$OUT/$DRILL_NAME"
  log "load: $RATE scenarios/s for ${seconds}s through $TARGET"
  LOAD_T0=$(now)
  "$BIN" load --target "$TARGET" --rate "$RATE" --duration "${seconds}s" --ramp 3s \
    --report "$LOAD_REPORT" "$@" >"$WORK/load.out" 2>&1 &
  LOAD_PID=$!
}
since_load() { awk -v a="$(now)" -v b="$LOAD_T0" 'BEGIN { printf "%.1f", a - b }'; }
event_begin() { EVENT_FROM=$(since_load); EVENT_FROM_EPOCH=$(now); log "event: $* (load second $EVENT_FROM)"; }
event_end() { EVENT_TO=$(since_load); EVENT_TO_EPOCH=$(now); log "event over (load second $EVENT_TO)"; }
load_finish() {
  LOAD_STATUS=0
  wait "$LOAD_PID" || LOAD_STATUS=$?
  LOAD_PID=""
  cat "$WORK/load.out"
  [ -f "$LOAD_REPORT/summary.json" ] || { log "the load wrote no report"; LOAD_STATUS=1; }
}
json_get() { "$PY" -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] if not isinstance(v,list) else v[int(k)] for k in sys.argv[2].split(".")]; print(v)' "$1" "$2"; }

# check "what must hold" <0|1 (held)> "measured"
check() {
  local held=$2
  if [ "$held" = 1 ]; then CHECKS+=("| $1 | $3 | held |"); else CHECKS+=("| $1 | $3 | **FAILED** |"); DRILL_FAILED=1; fi
  log "$([ "$held" = 1 ] && echo held || echo FAILED): $1 ($3)"
}

# Money: every confirmed (or cancelled) order has exactly one charged payment, no charged
# payment lacks its confirmed order, nothing is left pending. Waits (bounded) for the
# reconcilers to settle what the event left pending first.
sql() { mariadb -h 127.0.0.1 -u root -N -B "$DB" -e "$1"; }
check_money() { # seconds to wait for pending orders and processing payments to settle
  local i pending processing
  for i in $(seq 1 $(($1 * 2))); do
    pending=$(sql "SELECT COUNT(*) FROM orders WHERE status IN ('pending','cancelling')")
    processing=$(sql "SELECT COUNT(*) FROM payments WHERE status IN ('processing','refunding')")
    [ "$pending" = 0 ] && [ "$processing" = 0 ] && break
    sleep 0.5
  done
  local confirmed charged bad_orders orphans late
  confirmed=$(sql "SELECT COUNT(*) FROM orders WHERE status IN ('confirmed','cancelled')")
  charged=$(sql "SELECT COUNT(*) FROM payments WHERE status IN ('succeeded','refunding','refunded')")
  bad_orders=$(sql "SELECT COUNT(*) FROM orders o WHERE o.status IN ('confirmed','cancelling','cancelled') AND (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.status IN ('succeeded','refunding','refunded')) <> 1")
  orphans=$(sql "SELECT COUNT(*) FROM payments p LEFT JOIN orders o ON o.id = p.order_id WHERE p.status IN ('succeeded','refunding','refunded') AND (o.id IS NULL OR o.status NOT IN ('confirmed','cancelling','cancelled'))")
  late=$(sql "SELECT COUNT(*) FROM orders WHERE status IN ('confirmed','failed') AND updated_at - created_at > 3000")
  MONEY="$confirmed confirmed/cancelled orders, $charged charged payments, $late orders settled more than 3 s after they were placed"
  check "every confirmed order has exactly one succeeded charge" "$([ "$bad_orders" = 0 ] && echo 1 || echo 0)" "$MONEY; $bad_orders orders without exactly one"
  check "no charge without its confirmed order" "$([ "$orphans" = 0 ] && echo 1 || echo 0)" "$orphans orphan charges"
  check "nothing left pending after settling (${1}s)" "$([ "$pending" = 0 ] && [ "$processing" = 0 ] && echo 1 || echo 0)" "$pending orders pending/cancelling, $processing payments processing/refunding"
  if [ "$bad_orders" != 0 ] || [ "$orphans" != 0 ] || [ "$pending" != 0 ]; then
    sql "SELECT o.id, o.status, o.failure_reason, p.status, p.failure_code FROM orders o LEFT JOIN payments p ON p.order_id = o.id WHERE o.status NOT IN ('failed') AND (p.status IS NULL OR p.status NOT IN ('succeeded','refunded')) LIMIT 20" | sed 's/^/[money] /' || true
  fi
}

# The load's own verdict (its --slo and its invariants: confirmed orders still there, retried
# checkouts answered with their first order, stock never negative).
check_load_invariants() {
  local label="the load's invariants (confirmed orders kept, retries answered alike, stock never negative)"
  if [ -f "$LOAD_REPORT/report.md" ] && ! grep -q 'VIOLATED' "$LOAD_REPORT/report.md"; then
    check "$label" 1 "none broken"
  else
    check "$label" 0 "$(grep -c 'VIOLATED' "$LOAD_REPORT/report.md" 2>/dev/null || echo 'no report:') broken, see $LOAD_REPORT/report.md"
    grep 'VIOLATED' "$LOAD_REPORT/report.md" 2>/dev/null | head -10 || true
  fi
}

report_write() { # title, what happened
  local title=$1 what=$2 summary="$LOAD_REPORT/summary.json" total window verdict
  total=$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({"requests": s["requests"], "errors": s["errors"], "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"], "max_ms": s["max_ms"], "error_codes": s["error_codes"]}))' "$summary" 2>/dev/null || echo '{"requests": 0, "errors": 0, "p50_ms": 0, "p99_ms": 0, "max_ms": 0, "error_codes": {}}')
  window='{"requests": 0, "errors": 0, "p50_ms": 0, "p99_ms": 0}'
  if [ -n "$EVENT_FROM" ] && [ -f "$summary" ]; then
    window=$($TOOL window --summary "$summary" --from "${EVENT_FROM%.*}" --to "$(( ${EVENT_TO%.*} + 1 ))")
  fi
  verdict=$([ "$DRILL_FAILED" = 0 ] && echo PASSED || echo FAILED)
  {
    echo "# Drill: $title"
    echo
    echo "$what"
    echo
    echo "Load: $RATE scenarios/s through HAProxy → gateway; report folder \`$LOAD_REPORT\`."
    echo "Event: load seconds ${EVENT_FROM:-?}–${EVENT_TO:-?}. Machine: load average $LOADAVG_START at the start, $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?') at the end, on $(nproc) cores (a starved machine slows sign-ins first: auth sheds them as \`503 overloaded\`)."
    echo
    echo "| | requests | failed (5xx, no answer, unexpected 4xx) | p50 | p99 |"
    echo "|---|---|---|---|---|"
    echo "| whole run | $(json_get "$total" requests) | $(json_get "$total" errors) | $(json_get "$total" p50_ms) ms | $(json_get "$total" p99_ms) ms |"
    echo "| during the event | $(json_get "$window" requests) | $(json_get "$window" errors) | $(json_get "$window" p50_ms) ms | $(json_get "$window" p99_ms) ms |"
    echo
    echo "Errors by code: \`$(json_get "$total" error_codes)\`. (During the event: p50 is the request-weighted median of the per-second medians, p99 the highest per-second p99.)"
    echo
    echo "| must hold | measured | |"
    echo "|---|---|---|"
    printf '%s\n' "${CHECKS[@]}"
    echo
    [ -f "$LOAD_REPORT/report.md" ] && sed -n '/^| endpoint/,/^$/p' "$LOAD_REPORT/report.md"
    echo "Verdict: **$verdict**."
  } >"$OUT/$DRILL_NAME.md"
  "$PY" -c 'import json,sys
t=json.loads(sys.argv[2]); w=json.loads(sys.argv[3])
json.dump({"drill": sys.argv[1], "title": sys.argv[4], "requests": t["requests"], "failed": t["errors"],
  "verdict": sys.argv[5], "event_p50_ms": w["p50_ms"], "event_p99_ms": w["p99_ms"],
  "event_requests": w["requests"], "report": sys.argv[6], "loadavg": sys.argv[8]}, open(sys.argv[7], "w"))' \
    "$DRILL_NAME" "$total" "$window" "$title" "$verdict" "$LOAD_REPORT" "$OUT/$DRILL_NAME.json" \
    "$LOADAVG_START → $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
  cat "$OUT/$DRILL_NAME.md"
  log "verdict: $verdict"
}
drill_exit() { [ "$DRILL_FAILED" = 0 ] && exit 0 || exit 1; }

# A probe user's access token (for probing reads that need one).
probe_token() {
  local email="probe-$$@drill.wayfare.test" password="probe-password-$$-drill"
  curl -fsS -m 10 -XPOST "$TARGET/api/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\",\"name\":\"Probe\"}" >/dev/null
  curl -fsS -m 10 -XPOST "$TARGET/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
    | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# probe_start SECONDS NAME=URL … : samples every 0.2 s into $WORK/probe.csv (see drilltool.py).
probe_start() {
  local seconds=$1
  shift
  PROBE_CSV="$WORK/probe.csv"
  $TOOL probe --out "$PROBE_CSV" --seconds "$seconds" --interval 0.2 --timeout 15 \
    ${PROBE_HEADER:+--header "$PROBE_HEADER"} "$@" >>"$WORK/probe.log" 2>&1 &
  PROBE_PID=$!
  EXTRA_PIDS+=("$PROBE_PID")
}
probe_finish() { wait "$PROBE_PID" 2>/dev/null || true; cp "$PROBE_CSV" "$LOAD_REPORT/probe.csv" 2>/dev/null || true; }
