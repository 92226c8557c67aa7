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
    """`kubectl kustomize deploy/argocd/clusters/<env>` (kustomize is built into kubectl), as Argo CD
    builds it; without kubectl, the subset of kustomize these roots use (build_lite)."""
    kubectl = shutil.which("kubectl")
    if not kubectl:
        return build_lite(CLUSTERS / env)
    out = subprocess.run([kubectl, "kustomize", str(CLUSTERS / env)], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"kustomize clusters/{env} failed: {out.stderr}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def _merge(base, patch):
    """Strategic merge for kinds kustomize has no schema for: maps merge, lists replace, null deletes."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return patch
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


def _json6902(doc: dict, ops: list[dict]) -> dict:
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
        node = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if op["op"] == "remove":
            del node[last]
        elif op["op"] in ("add", "replace"):
            node[last] = op["value"]
        else:
            raise ValueError(f"unsupported JSON patch op {op['op']}")
    return doc


def build_lite(directory: Path) -> list[dict]:
    """resources (files, or folders with a kustomization.yaml) + patches (a file of strategic-merge
    patches, or an inline JSON 6902 patch with a kind/name target)."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs: list[dict] = []
    for res in spec.get("resources", []):
        path = (directory / res).resolve()
        if path.is_dir():
            docs += build_lite(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in spec.get("patches", []):
        if "path" in patch:
            for p in yaml.safe_load_all((directory / patch["path"]).read_text()):
                if not p:
                    continue
                for i, d in enumerate(docs):
                    if d["kind"] == p["kind"] and d["metadata"]["name"] == p["metadata"]["name"]:
                        docs[i] = _merge(d, p)
        else:
            target, ops = patch["target"], yaml.safe_load(patch["patch"])
            for d in docs:
                if d["kind"] == target["kind"] and target.get("name", d["metadata"]["name"]) == d["metadata"]["name"]:
                    _json6902(d, ops)
    return docs


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
