"""Each cluster's Argo CD root as Argo CD builds it (kustomize), and the local cluster-config
chart rendered with the values that root gives it. Shared by validate.py and the tests."""
from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent
ARGO = DEPLOY / "argocd"
CLUSTERS = ARGO / "clusters"


def envs() -> list[str]:
    return sorted(p.name for p in CLUSTERS.iterdir() if (p / "kustomization.yaml").exists())


@lru_cache(maxsize=None)
def cluster(env: str) -> list[dict]:
    """`kubectl kustomize deploy/argocd/clusters/<env>` (kustomize is built into kubectl)."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        raise RuntimeError("kubectl (with its built-in kustomize) is needed to build the Argo CD roots")
    out = subprocess.run([kubectl, "kustomize", str(CLUSTERS / env)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"kustomize clusters/{env} failed: {out.stderr}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def all_clusters() -> dict[str, list[dict]]:
    return {env: cluster(env) for env in envs()}


def application(env: str, name: str) -> dict:
    for doc in cluster(env):
        if doc["kind"] == "Application" and doc["metadata"]["name"] == name:
            return doc
    raise KeyError(f"no Application {name} in clusters/{env}")


@lru_cache(maxsize=None)
def cluster_config(env: str) -> list[dict]:
    import helm_python as helm

    app = application(env, "cluster-config")
    chart_dir = DEPLOY.parent / app["spec"]["source"]["path"]
    values = app["spec"]["source"].get("helm", {}).get("valuesObject", {})
    with helm.Chart.load(str(chart_dir)) as chart:
        manifests = chart.render(values, name=app["spec"]["source"]["helm"]["releaseName"],
                                 namespace=app["spec"]["destination"]["namespace"], is_install=True)
    docs = []
    for path in sorted(manifests):
        if path.endswith((".yaml", ".yml")):
            docs += [d for d in yaml.safe_load_all(manifests[path]) if d]
    return docs
