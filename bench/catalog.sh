#!/usr/bin/env bash
# Benchmark: GET /api/catalog/products/{id} through the Wayfare gateway, side by side with
# nginx proxying to the catalog target directly (the reference for "a good reverse proxy"),
# in one run on one machine; plus the resident memory of `wayfare serve` idle and under load.
#
#   bench/catalog.sh            # 20 s per side, 64 connections, 2 wrk threads
#   DURATION=30 CONNECTIONS=128 bench/catalog.sh
#
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light). Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
OUT=bench/results
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is missing (apt-get install nginx-light)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --locked --bin wayfare >/dev/null
BIN=target/release/wayfare

# The platform on embedded storage with rate limiting off (the load comes from one address).
WAYFARE_RATE_LIMIT_ENABLED=false WAYFARE_LOG_FORMAT=json WAYFARE_LOG=${WAYFARE_LOG:-info} \
  "$BIN" serve --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/wayfare.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "Wayfare is ready" "$work/wayfare.log" && break; sleep 0.1; done
GATEWAY=$(sed -n 's|^Wayfare is ready: open http://\([^/]*\)/.*|\1|p' "$work/wayfare.log")
CATALOG=$(python3 - "$work/wayfare.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    if rec.get("message") == "listening" and rec.get("service") == "catalog":
        print(rec["addr"]); break
PY
)
[ -n "$GATEWAY" ] && [ -n "$CATALOG" ] || { cat "$work/wayfare.log"; exit 1; }
ID=$(curl -fsS "http://$GATEWAY/api/catalog/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
PATH_UNDER_TEST="/api/catalog/products/$ID"

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream catalog { server $CATALOG; keepalive 64; }
  server {
    listen 127.0.0.1:0;
    listen 127.0.0.1:18089;
    location / {
      proxy_pass http://catalog;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
sed -i '/listen 127.0.0.1:0;/d' "$work/nginx.conf"
"$NGINX" -c "$work/nginx.conf" -p "$work"
NGINX_ADDR=127.0.0.1:18089
for _ in $(seq 1 50); do curl -fsS "http://$NGINX_ADDR$PATH_UNDER_TEST" >/dev/null 2>&1 && break; sleep 0.1; done

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
IDLE_RSS=$(rss_kb)

run_wrk() { # name url
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2" >"$work/$1.wrk"
}
# Warm both paths (connection pools, caches) before measuring.
wrk -t1 -c8 -d2s "http://$GATEWAY$PATH_UNDER_TEST" >/dev/null
wrk -t1 -c8 -d2s "http://$NGINX_ADDR$PATH_UNDER_TEST" >/dev/null

PEAK_RSS=0
( while kill -0 "$PID" 2>/dev/null; do rss_kb; sleep 0.5; done ) >"$work/rss.samples" &
SAMPLER=$!
run_wrk gateway "http://$GATEWAY$PATH_UNDER_TEST"
kill "$SAMPLER" 2>/dev/null || true
PEAK_RSS=$(sort -n "$work/rss.samples" | tail -1)
run_wrk nginx "http://$NGINX_ADDR$PATH_UNDER_TEST"

python3 - "$work" "$IDLE_RSS" "$PEAK_RSS" "$DURATION" "$CONNECTIONS" "$THREADS" >"$work/report.md" <<'PY'
import re, sys, datetime, platform, os
work, idle, peak, duration, conns, threads = sys.argv[1:]
def parse(name):
    text = open(f"{work}/{name}.wrk").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0
g, n = parse("gateway"), parse("nginx")
print(f"# Catalog read benchmark — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n")
print(f"`GET /api/catalog/products/{{id}}`, wrk -t{threads} -c{conns} -d{duration}s, {os.cpu_count()} cores, {platform.machine()}.\n")
print("| path | requests/s | p50 ms | p99 ms | non-2xx |")
print("|---|---:|---:|---:|---:|")
print(f"| wayfare gateway → catalog | {g[0]:,.0f} | {g[1]:.2f} | {g[2]:.2f} | {g[3]} |")
print(f"| nginx → catalog (reference) | {n[0]:,.0f} | {n[1]:.2f} | {n[2]:.2f} | {n[3]} |")
print(f"\nGateway throughput is {g[0]/n[0]:.2f}× nginx's; p99 {g[2]/n[2]:.2f}× nginx's.\n")
print(f"Resident memory of `wayfare serve` (all services, one process): idle {int(idle)/1024:.1f} MiB, "
      f"peak under the gateway load {int(peak)/1024:.1f} MiB.")
PY
cp "$work/report.md" "$OUT/catalog-$(date -u +%Y%m%dT%H%M%SZ).md"
cat "$work/report.md"
