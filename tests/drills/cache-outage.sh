#!/usr/bin/env bash
# Drill: the cache (Redis) goes away for 10 s under load.
#
# The platform runs as separate processes, two replicas of every service behind HAProxy
# (lib.sh), on MariaDB and on a Redis of the drill's own (a redis-server on a spare port, so
# it can really be stopped; the shared one is never touched). During the load that Redis is
# stopped (SIGTERM) for DRILL_OUTAGE_SECONDS (10) and started again on the same port.
# Must hold: reads keep working: no 5xx (or unanswered) GET in the load, every read the probe
# made during the outage answered 2xx; the cache is used again afterwards; the load's
# invariants.
#
# Usage: tests/drills/cache-outage.sh   (WAYFARE_BIN, DRILL_OUT, DRILL_RATE, DRILL_SECONDS)
DRILL_NAME=cache-outage
source "$(dirname "$0")/lib.sh"
SECONDS_OF_LOAD=${DRILL_SECONDS:-35}
OUTAGE=${DRILL_OUTAGE_SECONDS:-10}

drill_init
drill_redis_start
platform_start
product=$(curl -fsS "$TARGET/api/catalog/products?limit=1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
load_start "$SECONDS_OF_LOAD"
probe_start $((OUTAGE + 16)) \
  "read_products=$TARGET/api/catalog/products?limit=10" \
  "read_search=$TARGET/api/catalog/products?q=wireless&limit=5" \
  "read_product=$TARGET/api/catalog/products/$product" \
  "read_categories=$TARGET/api/catalog/categories" \
  "read_catalog_r0=http://127.0.0.1:$(public_port catalog 0)/api/catalog/products?limit=5"
sleep 6
event_begin "Redis stopped for ${OUTAGE}s"
drill_redis_stop
sleep "$OUTAGE"
drill_redis_start
event_end
log "Redis is back"
load_finish
probe_finish
reads=$($TOOL load-errors --summary "$LOAD_REPORT/summary.json" --methods GET --5xx)
check "no 5xx (or unanswered) read in the load" "$([ "$(json_get "$reads" failed)" = 0 ] && echo 1 || echo 0)" \
  "$(json_get "$reads" failed) of $(json_get "$reads" requests) GETs $(json_get "$reads" endpoints)"
during=$($TOOL probe-stats --csv "$PROBE_CSV" --from "$EVENT_FROM_EPOCH" --to "$EVENT_TO_EPOCH" --prefix read_)
ok=$("$PY" -c 'import json,sys; s=json.loads(sys.argv[1]); print(1 if s["count"] > 0 and all(k.startswith("2") for k in s["by_status"]) else 0)' "$during")
check "every probed read during the outage answered 2xx" "$ok" "$(json_get "$during" count) reads, statuses $(json_get "$during" by_status), p50 $(json_get "$during" p50_ms) ms, p99 $(json_get "$during" p99_ms) ms, max $(json_get "$during" max_ms) ms"
keys=$(redis-cli -p "$OWN_REDIS_PORT" dbsize 2>/dev/null || echo 0)
check "the cache is used again after it returns" "$([ "${keys:-0}" -gt 0 ] && echo 1 || echo 0)" "$keys keys in the new Redis"
all=$($TOOL load-errors --summary "$LOAD_REPORT/summary.json" --methods GET,PUT,DELETE,HEAD,POST,PATCH)
log "all requests: $all"
check_load_invariants
report_write "cache outage" "The drill's own Redis stopped for ${OUTAGE}s and restarted on its port, under $RATE scenarios/s. Writes that need the cache (carts) may fail meanwhile: $(json_get "$all" failed) failed requests in all $(json_get "$all" endpoints)."
drill_exit
