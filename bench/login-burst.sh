#!/usr/bin/env bash
# Resident memory of `wayfare serve` under a burst of logins (password hashing), idle before,
# at peak, and after the burst, side by side with the same burst against the binary built from
# a reference git revision (REF, default: none). Loopback only; every loop is bounded.
#
#   bench/login-burst.sh                 # BURST=200 concurrent logins against this checkout
#   REF=be86828 bench/login-burst.sh     # and the same against an older revision, in one run
#   BIN=target/debug/wayfare bench/login-burst.sh   # an already built binary
set -euo pipefail
cd "$(dirname "$0")/.."
BURST=${BURST:-200}
out=bench/results; mkdir -p "$out"
report="$out/login-burst-$(date +%Y%m%d-%H%M%S).md"

measure() { # label, binary
  local label=$1 bin=$2 dir port pid rss_idle peak rss_after t0 statuses
  dir=$(mktemp -d); port=$((20000 + RANDOM % 20000))
  env ${EXTRA_ENV:-} WAYFARE_RATE_LIMIT_ENABLED=false WAYFARE_LOG=warn WAYFARE_OPS_LISTEN=127.0.0.1:0 \
    "$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/api/catalog/categories" >/dev/null && break; sleep 0.1; done
  curl -fs -XPOST "http://127.0.0.1:$port/api/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"burst@example.com","password":"a-good-password","name":"Burst"}' >/dev/null
  rss_idle=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  t0=$(date +%s.%N)
  statuses=$(seq 1 "$BURST" | xargs -P "$BURST" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -XPOST "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
    -d '{"email":"burst@example.com","password":"a-good-password"}' | sort | uniq -c | tr '\n' ' ')
  local took; took=$(echo "$(date +%s.%N) - $t0" | bc)
  peak=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
  sleep "${SETTLE_SECONDS:-15}"
  rss_after=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
  local threads; threads=$(awk '/Threads/{print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
  printf '| %s | %d | %d | %d | %s | %.1f | %s |\n' "$label" $((rss_idle/1024)) $((peak/1024)) $((rss_after/1024)) "$threads" "$took" "$statuses" | tee -a "$report"
}

{
  echo "# Login burst: $BURST concurrent logins, $(nproc) cores"
  echo
  echo "| binary | idle MiB | peak MiB | after MiB | threads after | seconds | statuses (count code) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
} > "$report"
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --bin wayfare -q
  BIN=target/release/wayfare
fi
measure "this checkout ($BIN)" "$BIN"
if [ -n "${REF:-}" ]; then
  wt=$(mktemp -d); git worktree add -q "$wt" "$REF"
  (cd "$wt" && CARGO_TARGET_DIR="$PWD/../wayfare-ref-target" cargo build --release --locked --bin wayfare -q)
  measure "$REF" "$wt/../wayfare-ref-target/release/wayfare"
  git worktree remove --force "$wt"
fi
echo "report: $report"
