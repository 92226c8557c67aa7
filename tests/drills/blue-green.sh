#!/usr/bin/env bash
# Drill: a blue/green switch under load.
#
# The platform runs as separate processes on MariaDB + Redis behind HAProxy (lib.sh). Each
# service in DRILL_BG_SERVICES runs as a blue colour (replicas 0 and 1, in the balancer) with
# a green colour declared beside it (replicas 2 and 3, disabled). During the load, for each of
# those services in turn: green starts and becomes ready (/readyz), the balancer flips to it
# through HAProxy's runtime API (green enabled, and once HAProxy's health checks see it UP,
# blue put in maintenance: no new requests, in-flight ones finish), then blue gets SIGTERM and
# drains. Must hold: 0 failed requests, and the load's invariants.
#
# Usage: tests/drills/blue-green.sh   (WAYFARE_BIN, DRILL_OUT, DRILL_RATE, DRILL_SECONDS,
#        DRILL_BG_SERVICES, default "catalog order gateway")
DRILL_NAME=blue-green
source "$(dirname "$0")/lib.sh"
SECONDS_OF_LOAD=${DRILL_SECONDS:-40}
read -r -a SWITCHED <<<"${DRILL_BG_SERVICES:-catalog order gateway}"
for s in "${SWITCHED[@]}"; do
  REPLICAS[$s]=4
  LB_DISABLED[$s]="2 3"
done

drill_init
platform_start
load_start "$SECONDS_OF_LOAD" --slo "errors=0"
sleep 6
event_begin "blue → green for ${SWITCHED[*]}"
for s in "${SWITCHED[@]}"; do
  log "$s: green (replicas 2, 3) starting"
  start_replica "$s" 2
  start_replica "$s" 3
  wait_ready "$s" 2
  wait_ready "$s" 3
  hap "enable server be_$s/r2" >/dev/null
  hap "enable server be_$s/r3" >/dev/null
  wait_hap_up "$s" 2
  wait_hap_up "$s" 3
  hap "disable server be_$s/r0" >/dev/null
  hap "disable server be_$s/r1" >/dev/null
  log "$s: the balancer sends everything to green; blue (replicas 0, 1) gets SIGTERM"
  stop_replica "$s" 0 &
  stop0=$!
  stop_replica "$s" 1
  wait "$stop0"
  serving=$(hap "show stat" | awk -F, -v b="be_$s" '$1==b && $2 ~ /^r/ {print $2 "=" $18}' | tr '\n' ' ')
  log "$s: switched ($serving)"
done
event_end
log "switched ${SWITCHED[*]}; waiting for the load to end"
load_finish
failed=$(json_get "$($TOOL load-errors --summary "$LOAD_REPORT/summary.json" --methods GET,PUT,DELETE,POST,PATCH)" failed)
check "0 failed requests" "$([ "$failed" = 0 ] && echo 1 || echo 0)" "$failed failed"
check_load_invariants
report_write "blue/green switch" "For each of ${SWITCHED[*]}: a green colour of 2 replicas started beside the 2 blue ones, became ready, HAProxy flipped to it (runtime API: green enabled, blue to maintenance once green was UP), blue got SIGTERM and drained; under $RATE scenarios/s."
drill_exit
