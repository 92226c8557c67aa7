#!/usr/bin/env bash
# Where the gateway's time goes: P1's setup (auth, catalog and the gateway as processes of
# their own, embedded storage) with the gateway under callgrind while wrk reads one product
# through it, then the functions that cost the most instructions, by themselves and with
# what they call. Instruction counts do not depend on what else the machine is doing.
#
# Usage: bench/profile-gateway.sh   (BIN: default target/release/wayfare; SECONDS_OF_LOAD: 5;
#        TOKEN=1 sends a bearer token; OUT: where callgrind.out and the summary go)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/wayfare}
SECONDS_OF_LOAD=${SECONDS_OF_LOAD:-5}
OUT=${OUT:-bench/results/profile-gateway}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 2; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
mkdir -p "$OUT"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

export WAYFARE_LOG=${WAYFARE_LOG:-info} WAYFARE_LOG_FORMAT=json WAYFARE_DRAIN_DELAY_SECONDS=0 \
  WAYFARE_SERVICE_KEY=profile-service-key-0123456789abcdef0123456789 \
  WAYFARE_RATE_LIMIT_PER_CLIENT_PER_SECOND=10000000 WAYFARE_RATE_LIMIT_PER_CLIENT_BURST=10000000 \
  WAYFARE_RATE_LIMIT_PER_USER_PER_SECOND=10000000 WAYFARE_RATE_LIMIT_PER_USER_BURST=10000000

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 1 600); do curl -fs -m 1 "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.1; done; echo "not ready: $2"; exit 1; }
start() { # name, public port, ops port, command...
  local name=$1 pub=$2 ops=$3; shift 3
  WAYFARE_LISTEN="127.0.0.1:$pub" WAYFARE_OPS_LISTEN="127.0.0.1:$ops" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  wait_ready "$ops" "$name"
}

AUTH=$(port); AUTH_OPS=$(port); CATALOG=$(port); CATALOG_OPS=$(port); GATEWAY=$(port); GATEWAY_OPS=$(port)
start auth "$AUTH" "$AUTH_OPS" "$BIN" serve --target auth --data-dir "$WORK/auth"
export WAYFARE_AUTH_URL="http://127.0.0.1:$AUTH"
start catalog "$CATALOG" "$CATALOG_OPS" "$BIN" serve --target catalog --data-dir "$WORK/catalog"
export WAYFARE_CATALOG_URL="http://127.0.0.1:$CATALOG"
start gateway "$GATEWAY" "$GATEWAY_OPS" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
  "$BIN" serve --target gateway --data-dir "$WORK/gateway"
GW_PID=${PIDS[-1]}

product=$(curl -fsS "http://127.0.0.1:$GATEWAY/api/catalog/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
header=()
if [ "${TOKEN:-0}" = 1 ]; then
  email="profile-$$@example.com"
  curl -fsS -XPOST "http://127.0.0.1:$GATEWAY/api/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"profile-password-1\",\"name\":\"P\"}" >/dev/null
  token=$(curl -fsS -XPOST "http://127.0.0.1:$GATEWAY/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"profile-password-1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  header=(-H "Authorization: Bearer $token")
fi
wrk -t1 -c8 -d"${SECONDS_OF_LOAD}s" "${header[@]}" "http://127.0.0.1:$GATEWAY/api/catalog/products/$product" | tee "$OUT/wrk.txt"
kill -TERM "$GW_PID"
wait "$GW_PID" 2>/dev/null || true
requests=$(awk '/requests in/ {print $1}' "$OUT/wrk.txt")
{
  echo "# gateway profile: $requests requests through the gateway under callgrind"
  echo
  echo "## by itself (exclusive instructions)"
  callgrind_annotate --inclusive=no "$OUT/callgrind.out" 2>/dev/null | sed -n '1,60p'
  echo
  echo "## with what it calls (inclusive)"
  callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | sed -n '1,80p'
} >"$OUT/summary.txt"
echo "wrote $OUT/summary.txt (and callgrind.out: open it with kcachegrind or callgrind_annotate)"
