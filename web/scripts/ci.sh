#!/usr/bin/env bash
# The web app's whole check, for CI: install, type-check and build, unit tests, bundle budget,
# API types against the platform, end-to-end in Chromium. Needs WAYFARE_BIN (the wayfare
# binary); installs Debian's chromium when missing.
#   WAYFARE_BIN=target/debug/wayfare web/scripts/ci.sh
set -euo pipefail
: "${WAYFARE_BIN:?set WAYFARE_BIN to the wayfare binary}"
# Relative to where it was called from, before moving into web/.
WAYFARE_BIN=$(realpath "$WAYFARE_BIN")
export WAYFARE_BIN
cd "$(dirname "$0")/.."

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing chromium (Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# Korean glyphs for the screenshots (the tests pass without them; the pictures would show boxes).
if ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || echo "(fonts-noto-cjk not installed: Korean screenshots show boxes)"
fi

echo "== npm ci"
npm ci --no-audit --no-fund
echo "== build (tsc strict + vite)"
npm run build
echo "== unit and component tests"
npm test
echo "== bundle budget"
npm run size
echo "== API types up to date"
npm run check:api
echo "== end-to-end"
npm run test:e2e
