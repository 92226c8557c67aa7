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
            "thanos", "loki", "alloy", "tempo", "kiali", "observability", "observability-secrets", "argo-cd",
            "aws-load-balancer-controller", "cluster-autoscaler", "metrics-server", "cert-manager",
            "external-dns", "cluster-config"}
CRD_OWNERS = {"istio-base", "external-secrets", "kube-prometheus-stack", "cert-manager"}
REPO_URL = "https://github.com/wayfare/wayfare.git"
# Applications of this repository's own paths (not upstream charts), synced at the root's revision.
REPO_PATHS = {"cluster-config": "deploy/helm/cluster-config",
              "observability": "deploy/observability/manifests",
              "observability-secrets": "deploy/observability/secrets/{env}"}
ENVS = ["dev", "prod"]
REPO = ARGO.parents[1]


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


def test_the_platform_list_is_the_platform_folder():
    """Every Application file in apps/platform is in PLATFORM and in its kustomization, and back."""
    folder = ARGO / "apps" / "platform"
    files = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]) == files
    assert {yaml.safe_load((folder / f).read_text())["metadata"]["name"] for f in files} == PLATFORM


def sync_options(app) -> list[str]:
    return app["spec"].get("syncPolicy", {}).get("syncOptions", [])


def test_platform_charts_are_pinned_and_ordered():
    for env in ENVS:
        a = apps(env)
        root = yaml.safe_load((ARGO / "clusters" / env / "root.yaml").read_text())
        for name in PLATFORM:
            src = a[name]["spec"]["source"]
            if name in REPO_PATHS:  # this repository's own path, at the revision the root syncs
                path = REPO_PATHS[name].format(env=env)
                assert src["repoURL"] == REPO_URL and "chart" not in src, name
                assert src["path"] == path and (REPO / path).is_dir(), f"{name}: {src['path']}"
                assert src["targetRevision"] == root["spec"]["source"]["targetRevision"], name
                continue
            assert re.fullmatch(r"v?\d+\.\d+\.\d+", src["targetRevision"]), f"{name} is not pinned"
            assert src["chart"]
        latest_crd_owner = max(wave(a[n]) for n in CRD_OWNERS)
        # Argo CD itself goes first (it is already there: the bootstrap installed it).
        assert wave(a["argo-cd"]) < min(wave(a[n]) for n in PLATFORM - {"argo-cd"})
        for name in PLATFORM - CRD_OWNERS - {"argo-cd"}:
            if wave(a[name]) == latest_crd_owner:
                # Only what the CRD owners' own workloads need to start may share their wave, and
                # then it must not be dry-run against CRDs that arrive in the same wave.
                assert name == "observability-secrets", f"{name} syncs with the CRD owners"
                assert "SkipDryRunOnMissingResource=true" in sync_options(a[name]), name
            else:
                assert wave(a[name]) > latest_crd_owner, name
        assert wave(a["istiod"]) < wave(a["istio-ingressgateway"])
        # The ingress NLB needs the controller's webhook; the certificate needs cert-manager's CRDs.
        assert wave(a["aws-load-balancer-controller"]) < wave(a["istio-ingressgateway"])
        assert wave(a["cert-manager"]) < wave(a["cluster-config"])
        assert wave(a[f"wayfare-{env}"]) > max(wave(a[n]) for n in PLATFORM)


def test_observability_secrets_are_the_environments_own():
    """Each cluster syncs the ExternalSecrets that read its own Secrets Manager names."""
    for env in ENVS:
        src = apps(env)["observability-secrets"]["spec"]["source"]
        docs = [d for d in yaml.safe_load_all((REPO / src["path"] / "externalsecrets.yaml").read_text()) if d]
        keys = {r["remoteRef"]["key"] for d in docs if d["kind"] == "ExternalSecret" for r in d["spec"]["data"]}
        assert keys and all(k.startswith(f"wayfare/{env}/") for k in keys), f"{env}: {sorted(keys)}"


def test_the_alerts_on_platform_operators_have_their_metrics_scraped():
    """ExternalSecretNotSynced and CertificateExpiringSoon read External Secrets' and cert-manager's
    metrics: both charts create a ServiceMonitor that kube-prometheus-stack's Prometheus selects."""
    for env in ENVS:
        a = apps(env)
        kps = a["kube-prometheus-stack"]["spec"]["source"]["helm"]
        selector = {"release": kps["releaseName"]}  # the chart's default serviceMonitorSelector
        assert "serviceMonitorSelector" not in kps["valuesObject"]["prometheus"]["prometheusSpec"]
        eso = a["external-secrets"]["spec"]["source"]["helm"]["valuesObject"]
        assert eso["serviceMonitor"]["enabled"] and eso["metrics"]["service"]["enabled"]
        assert selector.items() <= eso["serviceMonitor"]["additionalLabels"].items()
        cm = a["cert-manager"]["spec"]["source"]["helm"]["valuesObject"]["prometheus"]
        assert cm["enabled"] and cm["servicemonitor"]["enabled"]
        assert selector.items() <= cm["servicemonitor"]["labels"].items()
        # cert-manager's chart renders the ServiceMonitor unconditionally; its CRD comes in the same wave.
        assert "SkipDryRunOnMissingResource=true" in sync_options(a["cert-manager"])


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
