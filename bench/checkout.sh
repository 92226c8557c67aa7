#!/usr/bin/env bash
# Benchmark: checkout through the gateway on MariaDB, side by side in the same run with the
# same SQL statements issued straight at MariaDB (the limit), reported as a ratio; then the
# hot-product race (1,000 buyers at once for 100 units) with its attempts per second.
#
#   bench/checkout.sh                      # 15 s per side, 32 concurrent clients
#   SECONDS_PER_SIDE=30 CONCURRENCY=64 bench/checkout.sh
#
# Needs MariaDB (BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306) and Redis
# (BENCH_REDIS_URL, default redis://127.0.0.1:6379). Loopback only; every loop is bounded.
# bench/run calls it with BIN, BENCH_BIN_DIR and RESULTS_JSON (the figures as JSON).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_SIDE=${SECONDS_PER_SIDE:-15}
CONCURRENCY=${CONCURRENCY:-32}
BUYERS=${BUYERS:-1000}
UNITS=${UNITS:-100}
MYSQL=${BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306}
REDIS=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
OUT=bench/results
mkdir -p "$OUT"
work=$(mktemp -d)
DB="wf_bench_$(date +%s)"
ulimit -n 65536 2>/dev/null || true

cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# BIN and BENCH_BIN_DIR (checkout-load, checkout-sql) skip the build (bench/run sets them).
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -p wayfare --bin wayfare -p wayfare-bench --bins
  BIN=target/release/wayfare
fi
TOOLS=${BENCH_BIN_DIR:-$(dirname "$BIN")}
mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

export WAYFARE_DATABASE_URL="$MYSQL/$DB" WAYFARE_REDIS_URL="$REDIS" WAYFARE_CACHE_NAMESPACE="$DB" \
  WAYFARE_SEED_DEMO_DATA=true WAYFARE_RATE_LIMIT_ENABLED=false WAYFARE_LOG=warn WAYFARE_LOG_FORMAT=json \
  WAYFARE_ADMIN_EMAIL=bench@wayfare.test WAYFARE_ADMIN_PASSWORD=bench-password-123 WAYFARE_DRAIN_DELAY_SECONDS=0
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/wayfare.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do grep -q "Wayfare is ready" "$work/wayfare.log" && break; sleep 0.1; done
BASE="http://$(sed -n 's|^Wayfare is ready: open http://\([^/]*\)/.*|\1|p' "$work/wayfare.log")"
[ "$BASE" != "http://" ] || { cat "$work/wayfare.log"; exit 1; }

ADMIN=$(curl -fsS -XPOST "$BASE/api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@wayfare.test","password":"bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
product() { # stock -> id
  curl -fsS -XPOST "$BASE/api/catalog/products" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
    -d "{\"sku\":\"BENCH-$RANDOM$RANDOM\",\"name\":\"Bench item\",\"price\":100,\"currency\":\"USD\",\"stock\":$1,\"category\":\"books\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
PLENTY=$(product 1000000000)

# Where the CPU goes (both sides share the machine's cores): CPU seconds of the wayfare process
# and of MariaDB's server over each side, from /proc (0 when MariaDB is not a local process).
cpu_ticks() { if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi; }
DB_PID=$(pgrep -x mariadbd || pgrep -x mysqld || true)
DB_PID=${DB_PID%%$'\n'*}
w0=$(cpu_ticks "$PID"); d0=$(cpu_ticks "$DB_PID")
echo "gateway checkout: $CONCURRENCY clients for ${SECONDS_PER_SIDE}s" >&2
"$TOOLS/checkout-load" --base "$BASE" --data-dir "$work/data" --product "$PLENTY" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_SIDE" >"$work/gateway.json"
w1=$(cpu_ticks "$PID"); d1=$(cpu_ticks "$DB_PID")
echo "direct SQL: $CONCURRENCY clients for ${SECONDS_PER_SIDE}s" >&2
"$TOOLS/checkout-sql" --database-url "$MYSQL/$DB" --product "$PLENTY" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_SIDE" >"$work/sql.json"
w2=$(cpu_ticks "$PID"); d2=$(cpu_ticks "$DB_PID")
HZ=$(getconf CLK_TCK)
echo "{\"hz\": $HZ, \"gateway\": {\"wayfare\": $((w1 - w0)), \"mariadb\": $((d1 - d0))}, \"sql\": {\"wayfare\": $((w2 - w1)), \"mariadb\": $((d2 - d1))}}" >"$work/cpu.json"

SCARCE=$(product "$UNITS")
echo "race: $BUYERS buyers for $UNITS units" >&2
"$TOOLS/checkout-load" --base "$BASE" --data-dir "$work/data" --product "$SCARCE" --mode race --buyers "$BUYERS" >"$work/race.json"
STOCK_LEFT=$(curl -fsS "$BASE/api/catalog/products/$SCARCE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stock"])')
NEGATIVE=$(mariadb -h 127.0.0.1 -u root -N -e "SELECT COUNT(*) FROM $DB.products WHERE stock < 0")

python3 - "$work" "$STOCK_LEFT" "$NEGATIVE" "$UNITS" >"$work/report.md" <<'PY'
import json, sys, datetime, os
work, stock_left, negative, units = sys.argv[1:]
g = json.load(open(f"{work}/gateway.json")); s = json.load(open(f"{work}/sql.json")); r = json.load(open(f"{work}/race.json"))
print(f"# Checkout benchmark (MariaDB) — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n")
print(f"{g['seconds']:.0f} s per side, same concurrency, {os.cpu_count()} cores; one product with ample stock.\n")
print("| path | checkouts/s | p50 ms | p99 ms | answers |")
print("|---|---:|---:|---:|---|")
for name, d in (("wayfare: gateway → order → catalog + payment", g), ("same SQL straight at MariaDB (the limit)", s)):
    print(f"| {name} | {d['per_second']:,.0f} | {d['p50_ms']:.1f} | {d['p99_ms']:.1f} | {d['statuses']} |")
print(f"\nWayfare reaches {g['per_second']/s['per_second']:.2f}× the direct-SQL limit; p99 {g['p99_ms']/max(s['p99_ms'],0.001):.1f}× its p99.\n")
cpu = json.load(open(f"{work}/cpu.json"))
def per_checkout(side, proc):
    n = max(1, (g if side == "gateway" else s)["requests"])
    return cpu[side][proc] * 1000 / cpu["hz"] / n
if cpu["gateway"]["mariadb"] or cpu["gateway"]["wayfare"]:
    print("CPU per checkout (ms; /proc of each process over each side, the load tools left out):\n")
    print("| path | wayfare | MariaDB |")
    print("|---|---:|---:|")
    print(f"| through the gateway | {per_checkout('gateway', 'wayfare'):.2f} | {per_checkout('gateway', 'mariadb'):.2f} |")
    print(f"| straight SQL | — | {per_checkout('sql', 'mariadb'):.2f} |\n")
won = r['statuses'].get('201', 0)
print(f"Hot-product race: {r['requests']} buyers at once for {units} units → {r['per_second']:,.0f} attempts/s "
      f"(all answered in {r['seconds']:.2f} s, p99 {r['p99_ms']:.0f} ms); answers {r['statuses']}; "
      f"{won} confirmed, stock left {stock_left}, products below zero: {negative}.")
PY
cp "$work/report.md" "$OUT/checkout-$(date -u +%Y%m%dT%H%M%SZ).md"
# RESULTS_JSON: the raw figures for bench/run.
if [ -n "${RESULTS_JSON:-}" ]; then
  python3 - "$work" "$STOCK_LEFT" "$NEGATIVE" >"$RESULTS_JSON" <<'PY'
import json, sys
work, stock_left, negative = sys.argv[1:]
print(json.dumps({name: json.load(open(f"{work}/{name}.json")) for name in ("gateway", "sql", "race", "cpu")} | {"stock_left": stock_left, "negative": negative}))
PY
fi
cat "$work/report.md"
