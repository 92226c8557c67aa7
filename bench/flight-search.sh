#!/usr/bin/env bash
# Flight search latency (p50/p99) through the gateway with the demo network plus FLIGHTS
# synthetic flights (`wayfare seed --flights`), on embedded SQLite (default) or on MariaDB
# (DATABASE_URL=mysql://root@127.0.0.1:3306/wf_bench, created empty beforehand).
# Knobs: FLIGHTS (100000), REQUESTS (300), BIN (target/release/wayfare).
set -euo pipefail
cd "$(dirname "$0")/.."
FLIGHTS=${FLIGHTS:-100000}
REQUESTS=${REQUESTS:-300}
BIN=${BIN:-target/release/wayfare}
PORT=${PORT:-18480}
dir=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$dir"' EXIT
export WAYFARE_DATA_DIR="$dir" WAYFARE_LOG=warn WAYFARE_RATE_LIMIT_ENABLED=false WAYFARE_DRAIN_DELAY_SECONDS=0 WAYFARE_OPS_LISTEN=127.0.0.1:0
if [ -n "${DATABASE_URL:-}" ]; then
  export WAYFARE_DATABASE_URL="$DATABASE_URL" WAYFARE_SEED_DEMO_DATA=true
fi
serve() {
  "$BIN" serve --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -fs "localhost:$PORT/api/airports?q=ICN" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "wayfare did not start" >&2; exit 1
}
serve                          # seeds the demo network
kill "$pid"; wait "$pid" 2>/dev/null || true
"$BIN" seed --flights "$FLIGHTS"
serve
python3 - "$PORT" "$REQUESTS" <<'PY'
import json, random, sys, time, urllib.request, datetime
port, n = sys.argv[1], int(sys.argv[2])
pairs = [("ICN", "NRT"), ("CJU", "LAX"), ("GMP", "CJU"), ("LHR", "JFK"), ("PUS", "LHR"), ("SIN", "SFO"), ("FRA", "ICN")]
times = []
for i in range(n):
    a, b = random.choice(pairs)
    day = (datetime.date.today() + datetime.timedelta(days=random.randint(1, 25))).isoformat()
    url = f"http://127.0.0.1:{port}/api/flights/search?from={a}&to={b}&date={day}&passengers=2"
    t = time.perf_counter()
    with urllib.request.urlopen(url) as r:
        json.load(r)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"searches: {n}, p50 {times[n // 2]:.1f} ms, p99 {times[int(n * 0.99) - 1]:.1f} ms, max {times[-1]:.1f} ms")
PY
