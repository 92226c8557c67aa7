#!/usr/bin/env bash
# Drill: a rolling restart under load, counting every failed request.
#
# Every service runs as two replicas (separate processes, as pods would) on MariaDB + Redis,
# each behind an HAProxy frontend that stands in for its Kubernetes Service (health checks on
# the replicas' /readyz on the operational port, connection failures retried elsewhere).
# `wayfare load` drives shoppers through the gateway's frontend while each replica of every
# service in turn gets SIGTERM and is replaced by a new process. Must hold: 0 failed requests
# and every invariant (`--slo errors=0`). Loopback only; bounded in time. Setup: lib.sh.
#
# Usage: tests/drills/rolling-restart.sh   (WAYFARE_BIN, DRILL_OUT, DRILL_RATE, DRILL_SECONDS)
DRILL_NAME=rolling-restart
source "$(dirname "$0")/lib.sh"
SECONDS_OF_LOAD=${DRILL_SECONDS:-60}

drill_init
platform_start
load_start "$SECONDS_OF_LOAD" --slo "errors=0"
sleep 5
restarted=0
event_begin "every replica of ${SERVICES[*]} replaced, one at a time"
for s in "${SERVICES[@]}"; do
  for r in $(replicas_of "$s"); do
    log "restarting $s replica $r"
    stop_replica "$s" "$r"
    start_replica "$s" "$r"
    wait_ready "$s" "$r"
    restarted=$((restarted + 1))
    sleep 1
  done
done
event_end
log "$restarted replicas restarted; waiting for the load to end"
load_finish
failed=$(json_get "$($TOOL load-errors --summary "$LOAD_REPORT/summary.json" --methods GET,PUT,DELETE,POST,PATCH)" failed)
check "0 failed requests" "$([ "$failed" = 0 ] && echo 1 || echo 0)" "$failed failed"
check_load_invariants
report_write "rolling restart" "$restarted replicas (2 of each of ${SERVICES[*]}) replaced one at a time (SIGTERM, drain, a new process) under $RATE scenarios/s."
drill_exit
