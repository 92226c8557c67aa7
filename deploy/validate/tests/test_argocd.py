"""The Argo CD layout: one root per cluster (kustomize), pinned upstream charts, CRDs and
operators first, least-privilege projects. The cross-stack checks (destinations, IRSA, Terraform's
values) are in ../contract."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import cluster_render  # noqa: E402

ARGO = Path(__file__).resolve().parents[2] / "argocd"
PLATFORM = {"istio-base", "istiod", "istio-ingressgateway", "external-secrets", "kube-prometheus-stack",
            "thanos", "loki", "promtail", "jaeger", "kiali", "argo-cd", "aws-load-balancer-controller",
            "cluster-autoscaler", "metrics-server", "cert-manager", "external-dns", "cluster-config"}
CRD_OWNERS = {"istio-base", "external-secrets", "kube-prometheus-stack", "cert-manager"}
ENVS = ["dev", "prod"]


def apps(env: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in cluster_render.cluster(env) if d["kind"] == "Application"}


def wave(app) -> int:
    return int(app["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))


def test_one_root_per_cluster_syncs_that_cluster_only():
    assert cluster_render.envs() == ENVS
    assert not (ARGO / "root.yaml").exists(), "one root for every environment is what issue 13 removed"
    for env in ENVS:
        root = yaml.safe_load((ARGO / "clusters" / env / "root.yaml").read_text())
        assert root["spec"]["source"]["path"] == f"deploy/argocd/clusters/{env}"
        assert set(apps(env)) == PLATFORM | {f"wayfare-{env}"}


def test_platform_charts_are_pinned_and_ordered():
    for env in ENVS:
        a = apps(env)
        for name in PLATFORM:
            src = a[name]["spec"]["source"]
            if name == "cluster-config":  # this repository's chart, at the revision the root syncs
                assert src["path"] == "deploy/helm/cluster-config"
                continue
            assert re.fullmatch(r"v?\d+\.\d+\.\d+", src["targetRevision"]), f"{name} is not pinned"
            assert src["chart"]
        latest_crd_owner = max(wave(a[n]) for n in CRD_OWNERS)
        # Argo CD itself goes first (it is already there: the bootstrap installed it).
        assert wave(a["argo-cd"]) < min(wave(a[n]) for n in PLATFORM - {"argo-cd"})
        for name in PLATFORM - CRD_OWNERS - {"argo-cd"}:
            assert wave(a[name]) > latest_crd_owner, name
        assert wave(a["istiod"]) < wave(a["istio-ingressgateway"])
        # The ingress NLB needs the controller's webhook; the certificate needs cert-manager's CRDs.
        assert wave(a["aws-load-balancer-controller"]) < wave(a["istio-ingressgateway"])
        assert wave(a["cert-manager"]) < wave(a["cluster-config"])
        assert wave(a[f"wayfare-{env}"]) > max(wave(a[n]) for n in PLATFORM)


def test_wayfare_syncs_automatically_with_prune_and_self_heal():
    for env in ENVS:
        app = apps(env)[f"wayfare-{env}"]
        assert app["spec"]["project"] == "wayfare"
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert app["spec"]["source"]["path"] == "deploy/helm/wayfare"
        assert app["spec"]["source"]["helm"]["valueFiles"] == [f"values-{env}.yaml", f"values-{env}-terraform.yaml"]
        assert app["spec"]["destination"]["namespace"] == f"wayfare-{env}"


def test_wayfare_project_is_least_privilege():
    for env in ENVS:
        projects = {d["metadata"]["name"]: d for d in cluster_render.cluster(env) if d["kind"] == "AppProject"}
        wayfare = projects["wayfare"]["spec"]
        assert wayfare["sourceRepos"] == ["https://github.com/wayfare/wayfare.git"]
        assert wayfare["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
        assert wayfare["destinations"] == [{"name": f"wayfare-{env}", "namespace": f"wayfare-{env}"}]
        platform = projects["wayfare-platform"]["spec"]
        for app in apps(env).values():
            if app["spec"]["project"] != "wayfare-platform":
                continue
            src = app["spec"]["source"]
            assert src["repoURL"] in platform["sourceRepos"], app["metadata"]["name"]
            assert app["spec"]["destination"]["namespace"] in {d["namespace"] for d in platform["destinations"]}


def test_the_offline_kustomize_subset_builds_what_kubectl_builds():
    """Machines without kubectl build the roots with cluster_render.build_lite; keep it honest."""
    import shutil

    import pytest

    if not shutil.which("kubectl"):
        pytest.skip("no kubectl to compare with")
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    for env in ENVS:
        assert sorted(cluster_render.cluster(env), key=key) == \
            sorted(cluster_render.build_lite(ARGO / "clusters" / env), key=key)
