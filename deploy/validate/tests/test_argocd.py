"""The Argo CD layout: app of apps, pinned upstream charts, CRDs and operators first."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ARGO = Path(__file__).resolve().parents[2] / "argocd"
PLATFORM = {"istio-base", "istiod", "istio-ingressgateway", "external-secrets", "kube-prometheus-stack",
            "thanos", "loki", "promtail", "jaeger", "kiali"}
CRD_OWNERS = {"istio-base", "external-secrets", "kube-prometheus-stack"}


def apps() -> dict[str, dict]:
    out = {}
    for f in sorted((ARGO / "apps").rglob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            assert d["kind"] == "Application"
            out[d["metadata"]["name"]] = d
    return out


def wave(app) -> int:
    return int(app["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))


def test_root_app_of_apps_points_at_the_apps_directory():
    root = yaml.safe_load((ARGO / "root.yaml").read_text())
    assert root["spec"]["source"]["path"] == "deploy/argocd/apps"
    assert root["spec"]["source"]["directory"]["recurse"] is True
    assert {"wayfare-dev", "wayfare-prod"} | PLATFORM == set(apps())


def test_platform_charts_are_pinned_and_ordered():
    a = apps()
    for name in PLATFORM:
        rev = a[name]["spec"]["source"]["targetRevision"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", rev), f"{name} is not pinned: {rev}"
        assert a[name]["spec"]["source"]["chart"]
    latest_crd_owner = max(wave(a[n]) for n in CRD_OWNERS)
    for name in PLATFORM - CRD_OWNERS:
        assert wave(a[name]) > latest_crd_owner, name
    assert wave(a["istiod"]) < wave(a["istio-ingressgateway"])
    for env in ("wayfare-dev", "wayfare-prod"):
        assert wave(a[env]) > max(wave(a[n]) for n in PLATFORM)


def test_wayfare_syncs_automatically_with_prune_and_self_heal():
    a = apps()
    for env in ("dev", "prod"):
        app = a[f"wayfare-{env}"]
        assert app["spec"]["project"] == "wayfare"
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert app["spec"]["source"]["path"] == "deploy/helm/wayfare"
        assert app["spec"]["source"]["helm"]["valueFiles"] == [f"values-{env}.yaml"]
        assert app["spec"]["destination"]["namespace"] == f"wayfare-{env}"


def test_wayfare_project_is_least_privilege():
    projects = {d["metadata"]["name"]: d for d in yaml.safe_load_all((ARGO / "projects.yaml").read_text())}
    wayfare = projects["wayfare"]["spec"]
    assert wayfare["sourceRepos"] == ["https://github.com/wayfare/wayfare.git"]
    assert wayfare["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    assert {d["namespace"] for d in wayfare["destinations"]} == {"wayfare-dev", "wayfare-prod"}
