#!/usr/bin/env bash
# Drill: the database goes away for 10 s under load.
#
# The platform runs as separate processes, two replicas of every service behind HAProxy
# (lib.sh), on Redis and on MariaDB reached through a chaos TCP proxy (chaos_proxy.py; the
# shared MariaDB itself is never touched). During the load the proxy cuts every connection
# and refuses new ones (DRILL_DB_MODE=cut, the default; `hang` instead holds them open and
# moves no byte) for DRILL_OUTAGE_SECONDS (10), then lets them through again. A probe samples
# reads through the gateway and straight at one replica of each service, and every replica's
# /readyz, every 0.2 s.
# Must hold: every probed request during the outage answers within 1 s (never a hang) with
# 2xx/4xx or 503, never another 5xx; /readyz of every replica with a database answers 503
# (from 2 s into the outage); every replica is ready again within 5 s after the database
# returns, and requests through the gateway succeed again within 5 s; 0 confirmed orders
# lost (the load's invariants, and in the database every confirmed order has exactly one
# charge, no charge lacks its order, once the reconcilers settled).
#
# Usage: tests/drills/db-outage.sh   (WAYFARE_BIN, DRILL_OUT, DRILL_RATE, DRILL_SECONDS,
#        DRILL_DB_MODE, DRILL_OUTAGE_SECONDS)
DRILL_NAME=db-outage
source "$(dirname "$0")/lib.sh"
SECONDS_OF_LOAD=${DRILL_SECONDS:-35}
OUTAGE=${DRILL_OUTAGE_SECONDS:-10}
MODE=${DRILL_DB_MODE:-cut}
WITH_DB=(auth catalog payment order)

drill_init
chaos_db_start
platform_start
product=$(curl -fsS "$TARGET/api/catalog/products?limit=1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
PROBE_HEADER="Authorization: Bearer $PROBE_TOKEN"
targets=(
  "api_products=$TARGET/api/catalog/products?limit=10"
  "api_product=$TARGET/api/catalog/products/$product"
  "api_orders=$TARGET/api/orders?limit=5"
  "api_me=$TARGET/api/auth/me"
  "direct_catalog=http://127.0.0.1:$(public_port catalog 0)/api/catalog/products?limit=5&sort=price_desc"
  "direct_order=http://127.0.0.1:$(public_port order 0)/api/orders?limit=5"
  "direct_auth=http://127.0.0.1:$(public_port auth 0)/api/auth/me"
)
for s in "${WITH_DB[@]}"; do
  for r in $(replicas_of "$s"); do targets+=("ready_${s}_$r=http://127.0.0.1:$(ops_port "$s" "$r")/readyz"); done
done
load_start "$SECONDS_OF_LOAD"
probe_start $((OUTAGE + 18)) "${targets[@]}"
sleep 6
event_begin "MariaDB connections: $MODE for ${OUTAGE}s"
chaos_db "$MODE"
sleep "$OUTAGE"
RESTORE_BEGAN=$(now)
chaos_db pass
event_end
RESTORED=$EVENT_TO_EPOCH
load_finish
probe_finish

during=$($TOOL probe-stats --csv "$PROBE_CSV" --from "$EVENT_FROM_EPOCH" --to "$EVENT_TO_EPOCH" --prefix api_)
direct=$($TOOL probe-stats --csv "$PROBE_CSV" --from "$EVENT_FROM_EPOCH" --to "$EVENT_TO_EPOCH" --prefix direct_)
verdict_of() { "$PY" -c 'import json,sys
s=json.loads(sys.argv[1])
bad=[k for k in s["by_status"] if not (k.startswith("2") or k.startswith("4") or k=="503")]
print(1 if s["count"] > 0 and s["max_ms"] <= 1000 and not bad else 0)' "$1"; }
describe() { echo "$(json_get "$1" count) requests, statuses $(json_get "$1" by_status), p50 $(json_get "$1" p50_ms) ms, p99 $(json_get "$1" p99_ms) ms, max $(json_get "$1" max_ms) ms"; }
check "through the gateway: every answer within 1 s, 2xx/4xx/503 only" "$(verdict_of "$during")" "$(describe "$during")"
check "straight at a replica: every answer within 1 s, 2xx/4xx/503 only" "$(verdict_of "$direct")" "$(describe "$direct")"
from2=$(awk -v a="$EVENT_FROM_EPOCH" 'BEGIN { printf "%.3f", a + 2 }')
# (those answered before the database returned: one asked just before may rightly say 200)
ready=$($TOOL probe-stats --csv "$PROBE_CSV" --from "$from2" --to "$EVENT_TO_EPOCH" --ended-by "$RESTORE_BEGAN" --prefix ready_)
check "/readyz 503 on every replica with a database (from 2 s in)" \
  "$("$PY" -c 'import json,sys; s=json.loads(sys.argv[1]); print(1 if s["count"] > 0 and list(s["by_status"]) == ["503"] else 0)' "$ready")" "$(describe "$ready")"
since_restore() { # probe prefix: seconds from the database's return until every probe with it answered 200
  "$PY" -c 'import json,sys; b=json.loads(sys.argv[1]); print("never" if b["latest"] is None else "%.1f" % max(0.0, b["latest"] - float(sys.argv[2])))' \
    "$($TOOL first --csv "$PROBE_CSV" --after "$RESTORED" --prefix "$1" --all --status 200)" "$RESTORED"
}
within5() { [ "$1" != never ] && awk -v t="$1" 'BEGIN { exit !(t <= 5) }' && echo 1 || echo 0; }
took=$(since_restore ready_)
check "every replica ready again within 5 s of the database's return" "$(within5 "$took")" "all ready after ${took} s"
took=$(since_restore api_)
check "requests through the gateway answered 200 again within 5 s" "$(within5 "$took")" "every probed API path answered 200 after ${took} s"
check_money 40
check_load_invariants
how=$([ "$MODE" = cut ] && echo "every open one reset, new ones refused" || echo "every open one silent, new ones accepted and never connected")
report_write "database outage" "MariaDB connections ${MODE} by the chaos proxy for ${OUTAGE}s ($how), under $RATE scenarios/s. Failed requests are expected here (503 while the database is away); what must hold is how they fail and that nothing confirmed is lost."
drill_exit
