#!/usr/bin/env bash
# Verify everything under deploy/ offline (issue 4). Called by .ci/run; exits non-zero on any failure.
#
# Usage: deploy/verify.sh [--skip-image] [--image-context DIR]
# Environment:
#   WAYFARE_SKIP_IMAGE=1     skip the container image build-and-run test (deploy/docker/test-image.sh)
#   WAYFARE_IMAGE_CONTEXT    Cargo workspace the image test builds (default: the repository root)
#   WAYFARE_TOOLS_DIR        tool cache: Python venvs, npm packages, base images (default ~/.cache/wayfare-tools)
#   WAYFARE_VERIFY_OUT       where rendered manifests and reports go (default: a temporary directory)
#
# Steps: install tools (idempotent) -> render the chart under 7 value sets + helm lint --strict for
# Kubernetes 1.30-1.33 -> schema-validate every rendered object and every manifest under deploy/
# (kubernetes-validate --strict; npm kubernetes-models for Istio/Argo CD/ESO/Prometheus Operator) ->
# yamllint -> hadolint -> checkov -> trivy config -> pytest over the rendered output -> the
# Terraform x chart x Argo CD contract suite -> the backup restore rehearsal (MariaDB) -> image test.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${WAYFARE_TOOLS_DIR:-$HOME/.cache/wayfare-tools}"
skip_image="${WAYFARE_SKIP_IMAGE:-0}"
image_context="${WAYFARE_IMAGE_CONTEXT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-image) skip_image=1; shift ;;
    --image-context) image_context="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
out="${WAYFARE_VERIFY_OUT:-$(mktemp -d -t wayfare-verify.XXXXXX)}"
mkdir -p "$out" "$tools"
rendered="$out/rendered"
python="${PYTHON:-python3}"

passed=0; failed=0; failures=(); started=$(date +%s)
run() { # name, command...
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "::: $name"
  if "$@"; then
    passed=$((passed + 1)); echo "::: $name: ok ($(( $(date +%s) - t0 ))s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "::: $name: FAILED ($(( $(date +%s) - t0 ))s)"
  fi
}

# ------------------------------------------------------------------------------------------ tools
venv() { # dir, requirements file
  local dir="$1" req="$2" stamp
  stamp="$(sha256sum "$req" | cut -c1-16)"
  if [ -f "$dir/.stamp-$stamp" ]; then return 0; fi
  echo "installing $(basename "$req") into $dir"
  rm -rf "$dir"
  "$python" -m venv "$dir" && "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" \
    && touch "$dir/.stamp-$stamp"
}
npm_deps() {
  local stamp dir
  stamp="$(cat "$here/validate/package.json" "$here/validate/package-lock.json" | sha256sum | cut -c1-16)"
  dir="$tools/npm-$stamp"
  if [ ! -f "$dir/.complete" ]; then
    echo "installing npm packages into $dir"
    rm -rf "$dir"; mkdir -p "$dir"
    cp "$here/validate/package.json" "$here/validate/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    touch "$dir/.complete"
  fi
  NODE_MODULES="$dir/node_modules"
}
install_tools() {
  venv "$tools/py" "$here/validate/requirements.txt" \
    && venv "$tools/checkov" "$here/validate/requirements-checkov.txt" \
    && npm_deps
}
run "install tools" install_tools
PY="$tools/py/bin"
NODE_MODULES="${NODE_MODULES:-$(ls -d "$tools"/npm-*/node_modules 2>/dev/null | head -1)}"

# ------------------------------------------------------------------------------------------ checks
run "render 7 value sets + helm lint --strict (k8s 1.30-1.33)" "$PY/python" "$here/validate/render.py" "$rendered"
run "schema validation (kubernetes-validate --strict 1.30-1.33, kubernetes-models CRDs)" \
  "$PY/python" "$here/validate/validate.py" "$rendered" "$NODE_MODULES"
yamllint_deploy() { (cd "$here" && "$PY/yamllint" -s -c .yamllint.yaml .); }
run "yamllint deploy/" yamllint_deploy
run "yamllint rendered output (duplicate keys, syntax)" \
  "$PY/yamllint" --no-warnings -d "{extends: relaxed, rules: {line-length: disable, key-duplicates: enable}}" "$rendered"
run "hadolint Dockerfile" "$PY/hadolint" "$here/docker/Dockerfile"

checkov() {
  local ck="$tools/checkov/bin/checkov" rc=0
  "$ck" --quiet --compact --skip-download --framework kubernetes -d "$rendered" || rc=1
  "$ck" --quiet --compact --skip-download --framework kubernetes -d "$here/argocd" || rc=1
  "$ck" --quiet --compact --skip-download --framework dockerfile -f "$here/docker/Dockerfile" || rc=1
  return $rc
}
run "checkov (rendered chart, Argo CD manifests, Dockerfile)" checkov

trivy() {
  local rc=0 common=(config --skip-check-update --cache-dir "$tools/trivy-cache" --exit-code 1 --quiet
                     --ignorefile "$here/.trivyignore.yaml")
  # deploy/: the Dockerfile, the chart (trivy renders it with its own Helm) and the Argo CD manifests.
  (cd "$here" && "$PY/trivy" "${common[@]}" --skip-dirs validate/node_modules \
     --skip-files docker/Dockerfile.dockerignore .) || rc=1
  "$PY/trivy" "${common[@]}" "$rendered" || rc=1
  return $rc
}
run "trivy config (deploy/ and rendered chart)" trivy

run "pytest: properties of the rendered chart and Argo CD layout" \
  env WAYFARE_RENDER_DIR="$rendered" "$PY/python" -m pytest -q -p no:cacheprovider "$here/validate/tests"
run "observability: promtool, amtool, static checks, real Prometheus (observability/verify.sh)" bash "$here/observability/verify.sh" "$rendered"
# Issue 13: Terraform x chart x Argo CD contract (python-hcl2, the renders above, kustomized roots),
# then the backup's restore rehearsed against the local MariaDB (skipped without one unless CI=true).
run "contract: Terraform x chart x Argo CD (validate/contract)" \
  env WAYFARE_RENDER_DIR="$rendered" "$PY/python" -m pytest -q -p no:cacheprovider "$here/validate/contract"
run "backup restore rehearsal (MariaDB 127.0.0.1:3306)" bash "$here/validate/backup/rehearse-restore.sh"

if [ "$skip_image" = 1 ]; then
  echo "::: image build-and-run test: skipped (WAYFARE_SKIP_IMAGE=1)"
else
  run "image build-and-run test" bash "$here/docker/test-image.sh" ${image_context:+--context "$image_context"}
fi

echo
echo "rendered manifests: $rendered"
echo "deploy/verify.sh took $(( $(date +%s) - started ))s"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "verify: $passed passed, $failed failed"
[ "$failed" = 0 ]
