#!/usr/bin/env python3
"""Render deploy/helm/wayfare under every CI value set, offline, with Helm's own Go SDK.

Writes <out>/<value-set>.yaml (all documents, hooks included) and prints one line per set.
Also runs `helm lint --strict` for each value set and each supported Kubernetes version.
Usage: render.py OUT_DIR
"""
from __future__ import annotations

import sys
from pathlib import Path

import helm_python as helm
import yaml

DEPLOY = Path(__file__).resolve().parent.parent
CHART = DEPLOY / "helm" / "wayfare"
RELEASE = "wayfare"
KUBE_VERSIONS = ["v1.30.0", "v1.31.0", "v1.32.0", "v1.33.0"]

# value set -> (namespace, files layered in order, like `helm -f a -f b`). The environments layer
# exactly what their Argo CD Application layers (values-<env>.yaml, then the Terraform-generated
# values-<env>-terraform.yaml); deploy/validate/contract checks the two lists agree.
DEV = ["values-dev.yaml", "values-dev-terraform.yaml"]
PROD = ["values-prod.yaml", "values-prod-terraform.yaml"]
VALUE_SETS: dict[str, tuple[str, list[str]]] = {
    "default": ("wayfare", []),
    "dev": ("wayfare-dev", DEV),
    "prod": ("wayfare-prod", PROD),
    "prod-bluegreen-blue": ("wayfare-prod", [*PROD, "ci/bluegreen-blue.yaml"]),
    "prod-bluegreen-green": ("wayfare-prod", [*PROD, "ci/bluegreen-green.yaml"]),
    "prod-all-services": ("wayfare-prod", [*PROD, "ci/all-services.yaml"]),
    "dev-all-services": ("wayfare-dev", [*DEV, "ci/all-services.yaml"]),
}


def merge(base: dict, over: dict) -> dict:
    """Helm's coalescing of values files: maps merge, everything else replaces, null deletes."""
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def values_for(files: list[str]) -> dict:
    values: dict = {}
    for name in files:
        values = merge(values, yaml.safe_load((CHART / name).read_text()) or {})
    return values


def render(value_set: str) -> tuple[str, str]:
    namespace, files = VALUE_SETS[value_set]
    values = values_for(files)
    with helm.Chart.load(str(CHART)) as chart:
        chart.validate_schema(values)
        manifests = chart.render(values, name=RELEASE, namespace=namespace, is_install=True)
    docs = []
    for path in sorted(manifests):
        text = manifests[path]
        if not path.endswith((".yaml", ".yml")) or not text.strip():
            continue
        docs.append(f"# Source: {path}\n{text.strip()}\n")
    return namespace, "---\n".join(docs)


def lint(value_set: str) -> list[str]:
    namespace, files = VALUE_SETS[value_set]
    problems = []
    for kube in KUBE_VERSIONS:
        report = helm.lint(str(CHART), values_for(files), strict=True, namespace=namespace, kube_version=kube)
        for msg in report.get("messages", []):
            if msg.get("severity", 0) >= 2:  # warning or error; strict fails on both
                problems.append(f"{value_set} {kube}: {msg.get('path')}: {msg.get('error')}")
        problems += [f"{value_set} {kube}: {e}" for e in report.get("errors", []) or []]
    return problems


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    for value_set in VALUE_SETS:
        try:
            namespace, text = render(value_set)
        except Exception as exc:  # noqa: BLE001 - report every value set
            print(f"render {value_set}: FAILED: {exc}")
            failed = True
            continue
        (out / f"{value_set}.yaml").write_text(text)
        kinds: dict[str, int] = {}
        for doc in yaml.safe_load_all(text):
            if doc:
                kinds[doc["kind"]] = kinds.get(doc["kind"], 0) + 1
        print(f"render {value_set} (ns {namespace}): {sum(kinds.values())} objects")
        problems = lint(value_set)
        for p in problems:
            print(f"lint: {p}")
        failed |= bool(problems)
    print("helm lint --strict: " + ("FAILED" if failed else f"clean for {len(VALUE_SETS)} value sets x {len(KUBE_VERSIONS)} Kubernetes versions"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
