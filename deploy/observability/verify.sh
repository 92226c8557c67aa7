#!/usr/bin/env bash
# Verify Wayfare's observability as code (issue 14). Called by deploy/verify.sh with its rendered
# chart directory; runs on its own too. Exits non-zero on any failure.
#
# Usage: deploy/observability/verify.sh [RENDER_DIR]
# Environment:
#   WAYFARE_BINARY         the wayfare binary for the real-Prometheus check (default target/debug/wayfare;
#                          built with `cargo build --locked --bin wayfare` when missing)
#   WAYFARE_SKIP_REALCHECK=1  skip the real-Prometheus check (it needs the binary; a few minutes)
#
# Steps:
#   1. tools: promtool, amtool, prometheus from Debian (apt-get, once; daemons not started)
#   2. generated files are current (generate.py --check)
#   3. promtool check rules + promtool test rules: every alert one firing and one quiet case
#      (platform rules from generate.py; the chart's mesh rules from the rendered chart)
#   4. amtool check-config and amtool config routes test per severity (critical, warning, info, Watchdog)
#   5. static checks (static_checks.py): dashboards, data source UIDs, LogQL labels, receivers,
#      Secret references, runbooks, retention vs bucket lifecycle, tracing provider
#   6. against the real thing (realcheck.py): the platform, a bounded load with declines and a
#      stopped payment service, a real Prometheus with the same rules, assertions over its HTTP API
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
render_dir="${1:-${WAYFARE_RENDER_DIR:-}}"
work="$(mktemp -d -t wayfare-observability.XXXXXX)"
trap 'rm -rf "$work"' EXIT
python="${PYTHON:-python3}"

passed=0; failed=0; failures=()
run() { # name, command...
  local name="$1"; shift
  local t0=$SECONDS
  echo "::: observability: $name"
  if "$@"; then
    passed=$((passed + 1)); echo "::: observability: $name: ok ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "::: observability: $name: FAILED ($((SECONDS - t0))s)"
  fi
}

# ------------------------------------------------------------------------------------------ tools
install_tools() {
  if command -v promtool >/dev/null && command -v amtool >/dev/null && command -v prometheus >/dev/null; then
    return 0
  fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  # Install only: a policy-rc.d that denies keeps the packages from starting their daemons.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created=1
  fi
  $sudo apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
         prometheus prometheus-alertmanager >/dev/null
  local rc=$?
  [ "$created" = 1 ] && $sudo rm -f "$policy"
  return $rc
}
run "install promtool, amtool, prometheus (apt)" install_tools

# ------------------------------------------------------------------------------------------ rules
run "generated manifests are current (generate.py --check)" "$python" "$here/generate.py" --check

rules_dir="$work/rules"
chart_rules() { # the chart's PrometheusRule (mesh view) from the rendered prod value set, plus its tests
  local rendered="$render_dir/prod.yaml"
  if [ -z "$render_dir" ] || [ ! -f "$rendered" ]; then
    echo "chart rules: SKIPPED, no rendered chart given (deploy/verify.sh passes its render directory)"
    return 0
  fi
  "$python" "$here/chart_rules.py" "$rendered" "$rules_dir"
}
promtool_rules() {
  rm -rf "$rules_dir" && "$python" "$here/generate.py" --tests "$rules_dir" && chart_rules || return 1
  (cd "$rules_dir" && promtool check rules ./*.rules.yml) || return 1
  local f rc=0
  for f in "$rules_dir"/tests-*.yml; do
    (cd "$rules_dir" && promtool test rules "$(basename "$f")") || rc=1
  done
  return $rc
}
run "promtool check rules + test rules (a firing and a quiet case per alert)" promtool_rules

# ----------------------------------------------------------------------------------- alertmanager
amtool_checks() {
  "$python" - "$root/deploy/argocd/apps/platform/kube-prometheus-stack.yaml" "$work/am" <<'PY' || return 1
import sys, yaml, pathlib
app, out = sys.argv[1], pathlib.Path(sys.argv[2])
values = yaml.safe_load(open(app))["spec"]["source"]["helm"]["valuesObject"]["alertmanager"]
text = yaml.safe_dump(values["config"])
# The Secrets are mounted at /etc/alertmanager/secrets/<name>/<key>; stand-ins here, same layout.
for name in values["alertmanagerSpec"]["secrets"]:
    d = out / "secrets" / name
    d.mkdir(parents=True, exist_ok=True)
    for key in ("slack_webhook_url", "smtp_password", "heartbeat_api_key"):
        (d / key).write_text("https://hooks.example.invalid/stand-in\n")
(out / "alertmanager.yml").write_text(text.replace("/etc/alertmanager/secrets", str(out / "secrets")))
PY
  local cfg="$work/am/alertmanager.yml" rc=0
  amtool check-config "$cfg" || return 1
  # severity -> receivers it must reach (critical: e-mail + Slack pages; the rest: Slack; Watchdog: dead man's switch)
  local cases=(
    "critical|severity=critical alertname=SLOAvailabilityFastBurn service=order namespace=wayfare-prod"
    "slack|severity=warning alertname=SLOAvailabilitySlowBurn service=order namespace=wayfare-prod"
    "slack|severity=info alertname=SomethingToKnow namespace=wayfare-prod"
    "deadmans-switch|severity=none alertname=Watchdog"
  )
  local c want labels
  for c in "${cases[@]}"; do
    want="${c%%|*}"; labels="${c#*|}"
    # shellcheck disable=SC2086
    if amtool config routes test --config.file="$cfg" --verify.receivers="$want" $labels >/dev/null 2>&1; then
      echo "route ok: {$labels} -> $want"
    else
      echo "route FAILED: {$labels} should reach $want"; rc=1
    fi
  done
  grep -q "email_configs" "$cfg" && grep -A12 "name: critical" "$cfg" | grep -q "slack_configs" \
    || { echo "receiver critical must send e-mail and Slack"; rc=1; }
  return $rc
}
run "amtool check-config + routes per severity" amtool_checks

# ----------------------------------------------------------------------------------------- static
run "static checks (dashboards, UIDs, LogQL labels, receivers, Secrets, runbooks, retention)" \
  "$python" "$here/static_checks.py" ${render_dir:+"$render_dir"}

# -------------------------------------------------------------------------------- the real thing
realcheck() {
  local binary="${WAYFARE_BINARY:-$root/target/debug/wayfare}"
  if [ ! -x "$binary" ]; then
    (cd "$root" && cargo build --locked --bin wayfare) || return 1
  fi
  [ -d "$rules_dir" ] || "$python" "$here/generate.py" --tests "$rules_dir" || return 1
  timeout 600 "$python" "$here/realcheck.py" --binary "$binary" --rules "$rules_dir" \
    --dashboards "$here/manifests/dashboards.yaml"
}
if [ "${WAYFARE_SKIP_REALCHECK:-0}" = 1 ]; then
  echo "::: observability: real-Prometheus check: SKIPPED (WAYFARE_SKIP_REALCHECK=1)"
else
  run "real Prometheus against the running platform (dashboards, recording rules, alerts)" realcheck
fi

for f in "${failures[@]}"; do echo "FAILED: observability: $f"; done
echo "observability verify: $passed passed, $failed failed"
[ "$failed" = 0 ]
