#!/usr/bin/env python3
"""Schema-validate every Kubernetes object Wayfare ships.

Inputs: the rendered value sets (render.py's output directory) and every YAML file under deploy/.
- core kinds (apiVersion without a dot, or a *.k8s.io group): kubernetes-validate --strict against
  Kubernetes 1.30, 1.31, 1.32 and 1.33;
- CRD kinds (Istio, Argo CD, External Secrets, Prometheus Operator): validate_crds.mjs, the npm
  kubernetes-models classes' .validate();
- YAML under deploy/ that is not a Kubernetes object must be one of the known kinds of file
  (chart metadata, values, linters' configs), so nothing slips past unvalidated.
Usage: validate.py RENDER_DIR
"""
from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import yaml

import cluster_render
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

HERE = Path(__file__).resolve().parent
DEPLOY = HERE.parent
KUBE_VERSIONS = ["1.30.0", "1.31.0", "1.32.0", "1.33.0"]
# YAML under deploy/ that is not a Kubernetes manifest, and what checks it instead.
NOT_MANIFESTS = [
    "helm/wayfare/Chart.yaml",          # helm lint
    "helm/wayfare/values*.yaml",        # values.schema.json (render.py) + helm lint
    "helm/wayfare/ci/*.yaml",           # values.schema.json (render.py)
    "helm/wayfare/templates/*",         # Go templates: checked through their rendered output
    "helm/wayfare/files/*",
    "helm/cluster-config/Chart.yaml",
    "helm/cluster-config/values.yaml",  # rendered below with each cluster's values
    "helm/cluster-config/templates/*",
    "argocd/*kustomization.yaml",       # kustomize: checked through each cluster's build below
    "argocd/clusters/*/terraform-patch.yaml",  # partial Applications (patches): same
    ".yamllint.yaml",
    ".trivyignore.yaml",                # trivy --ignorefile
    "validate/node_modules/*",
]


def is_core(api_version: str) -> bool:
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    return "." not in group or group.endswith(".k8s.io")


def load_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def main() -> int:
    render_dir = Path(sys.argv[1])
    sources: list[tuple[str, dict]] = []
    for f in sorted(render_dir.glob("*.yaml")):
        sources += [(f"rendered/{f.stem}", d) for d in load_docs(f)]
    unknown_files = []
    for f in sorted(DEPLOY.rglob("*.y*ml")):
        rel = f.relative_to(DEPLOY).as_posix()
        if any(fnmatch.fnmatch(rel, pat) for pat in NOT_MANIFESTS):
            continue
        docs = load_docs(f)
        if not docs or not all(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs):
            unknown_files.append(rel)
            continue
        sources += [(rel, d) for d in docs]

    # What each cluster's Argo CD really applies: the kustomized root, and the cluster-config chart
    # rendered with the values that root gives it.
    for env, docs in cluster_render.all_clusters().items():
        sources += [(f"argocd/clusters/{env} (kustomize)", d) for d in docs]
        sources += [(f"helm/cluster-config ({env})", d) for d in cluster_render.cluster_config(env)]

    failures = [f"{rel}: YAML under deploy/ that is neither a Kubernetes object nor a known config file" for rel in unknown_files]
    core, crd = [], []
    for origin, doc in sources:
        (core if is_core(doc["apiVersion"]) else crd).append((origin, doc))

    checked = 0
    for origin, doc in core:
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
                checked += 1
            except ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                failures.append(f"{origin}: {doc['kind']}/{doc['metadata']['name']} (k8s {version}): {path}: {e.message}")
            except SchemaNotFoundError:
                failures.append(f"{origin}: {doc['apiVersion']} {doc['kind']} has no schema in Kubernetes {version}")
    print(f"core kinds: {len(core)} objects x {len(KUBE_VERSIONS)} Kubernetes versions, {checked} strict validations passed")

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
        json.dump([{"origin": o, "object": d} for o, d in crd], tmp)
    node_modules = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "node_modules"
    proc = subprocess.run(["node", str(HERE / "validate_crds.mjs"), tmp.name],
                          capture_output=True, text=True,
                          env={"NODE_PATH": str(node_modules), "PATH": "/usr/bin:/bin:/usr/local/bin",
                               "WAYFARE_NODE_MODULES": str(node_modules)})
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        failures.append(f"CRD validation failed:\n{proc.stderr}")

    for f in failures:
        print(f"FAIL {f}")
    print(f"{checked + len(crd)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
