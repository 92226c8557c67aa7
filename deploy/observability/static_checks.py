#!/usr/bin/env python3
"""Static checks of the observability stack (no cluster, no network):

- dashboards parse, dashboard UIDs are unique, panel ids are unique per dashboard, and every data
  source UID a dashboard names is provisioned in Grafana (kube-prometheus-stack's values);
- every LogQL stream selector uses only labels the log agent (Alloy) sets;
- every Alertmanager receiver has a configuration and every route names a defined receiver;
- every Secret the observability Applications and manifests (and, given the rendered chart, the
  Wayfare pods) reference is produced by something in the repository (an ExternalSecret here or in
  the chart);
- every alert, here and in the chart, has summary, description and a runbook_url to a runbook file;
- Thanos and Loki retention never outlive what the buckets' lifecycle rules keep (Terraform module);
- the Istio Telemetry names a tracing provider istiod defines, and that provider sends OTLP/gRPC to
  the Tempo the platform runs (the Tempo Application's Service, namespace and gRPC receiver port).

Usage: static_checks.py [RENDER_DIR]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DEPLOY = HERE.parent
ROOT = DEPLOY.parent
APPS = DEPLOY / "argocd" / "apps" / "platform"
TF = ROOT / "infra" / "terraform" / "modules" / "observability"

failures: list[str] = []


def fail(msg):
    failures.append(msg)


def app_values(name: str) -> dict:
    doc = yaml.safe_load((APPS / f"{name}.yaml").read_text())
    return doc["spec"]["source"].get("helm", {}).get("valuesObject", {})


def load_all(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def manifests() -> list[dict]:
    docs = []
    for f in sorted((HERE / "manifests").glob("*.yaml")) + sorted((HERE / "secrets").rglob("*.yaml")):
        docs += load_all(f)
    return docs


# ------------------------------------------------------------------------------------- dashboards
def check_dashboards():
    kps = app_values("kube-prometheus-stack")
    graf = kps["grafana"]
    uids = {d["uid"] for d in graf.get("additionalDataSources", [])}
    if graf.get("sidecar", {}).get("datasources", {}).get("defaultDatasourceEnabled", True):
        uids.add(graf["sidecar"]["datasources"].get("uid", "prometheus"))
    defaults = [d["uid"] for d in graf.get("additionalDataSources", []) if d.get("isDefault")]
    if defaults != ["thanos"]:
        fail(f"grafana: the default data source must be Thanos (uid thanos), found {defaults}")
    seen = {}
    boards = []
    for doc in manifests():
        if doc["kind"] != "ConfigMap" or doc["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
            continue
        for key, body in doc["data"].items():
            try:
                board = json.loads(body)
            except json.JSONDecodeError as e:
                fail(f"dashboard {doc['metadata']['name']}/{key} does not parse: {e}")
                continue
            boards.append(board)
            if board["uid"] in seen:
                fail(f"dashboard uid {board['uid']} used twice")
            seen[board["uid"]] = board["title"]
            ids = [p["id"] for p in board["panels"]]
            if len(ids) != len(set(ids)):
                fail(f"dashboard {board['uid']}: duplicate panel ids")
            for ds in _datasources(board):
                if ds not in uids:
                    fail(f"dashboard {board['uid']}: data source uid {ds!r} is not provisioned (have {sorted(uids)})")
    print(f"dashboards: {len(boards)} parse, UIDs unique, data sources {sorted(uids)} provisioned")
    return boards


def _datasources(obj):
    if isinstance(obj, dict):
        ds = obj.get("datasource")
        if isinstance(ds, dict) and "uid" in ds:
            yield ds["uid"]
        for v in obj.values():
            yield from _datasources(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _datasources(v)


# ------------------------------------------------------------------------------------------- logs
def agent_labels() -> set[str]:
    cfg = app_values("alloy")["alloy"]["configMap"]["content"]
    labels = set(re.findall(r'target_label\s*=\s*"([a-z_]+)"', cfg))
    for block in re.findall(r"stage\.(?:labels|static_labels)\s*\{\s*values\s*=\s*\{([^}]*)\}", cfg):
        labels |= set(re.findall(r"(\w+)\s*=", block))
    return {label for label in labels if not label.startswith("__")}


def check_logql(boards):
    labels = agent_labels()
    n = 0
    for board in boards:
        exprs = [t["expr"] for p in board["panels"] for t in p.get("targets", [])
                 if t.get("datasource", {}).get("type") == "loki"]
        for v in board.get("templating", {}).get("list", []):
            if v.get("datasource", {}).get("type") == "loki":
                exprs.append(v["query"].get("stream", ""))
                if v["query"].get("label"):
                    exprs.append("{" + v["query"]["label"] + '=~".+"}')
        for e in exprs:
            for selector in re.findall(r"\{([^{}]*)\}", e):
                for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", selector):
                    n += 1
                    if label not in labels:
                        fail(f"dashboard {board['uid']}: LogQL selects on {label!r}, which Alloy does not set ({sorted(labels)})")
    print(f"LogQL: {n} label matchers, all on labels Alloy sets ({sorted(labels)})")


# ----------------------------------------------------------------------------------- alertmanager
def check_alertmanager():
    cfg = app_values("kube-prometheus-stack")["alertmanager"]["config"]
    defined = {}
    for r in cfg["receivers"]:
        configs = [k for k in r if k.endswith("_configs") and r[k]]
        if not configs:
            fail(f"alertmanager receiver {r['name']!r} has no configuration (nothing would be sent)")
        defined[r["name"]] = configs

    def walk(route):
        if "receiver" in route and route["receiver"] not in defined:
            fail(f"alertmanager route names undefined receiver {route['receiver']!r}")
        for child in route.get("routes", []):
            walk(child)

    walk(cfg["route"])
    for key, value in cfg.get("global", {}).items():
        if key in {"slack_api_url", "smtp_auth_password", "opsgenie_api_key", "pagerduty_url"}:
            fail(f"alertmanager global.{key} is inline; use the *_file form with a mounted Secret")
    print("alertmanager receivers: " + ", ".join(f"{k} ({', '.join(v)})" for k, v in defined.items()))


# ---------------------------------------------------------------------------------------- secrets
def produced_secrets(rendered: list[dict]) -> set[str]:
    out = set()
    for d in manifests() + rendered:
        if d.get("kind") == "ExternalSecret":
            ns = d["metadata"].get("namespace", "")
            out.add((ns, d["spec"].get("target", {}).get("name") or d["metadata"]["name"]))
        if d.get("kind") == "Secret":
            out.add((d["metadata"].get("namespace", ""), d["metadata"]["name"]))
    return out


def referenced_by_apps() -> list[tuple[str, str, str]]:
    """(namespace, secret, where) the platform Applications' values reference."""
    refs = []
    kps = app_values("kube-prometheus-stack")
    for s in kps["alertmanager"]["alertmanagerSpec"].get("secrets", []):
        refs.append(("monitoring", s, "kube-prometheus-stack alertmanager.alertmanagerSpec.secrets"))
    refs.append(("monitoring", kps["grafana"]["admin"]["existingSecret"], "kube-prometheus-stack grafana.admin"))
    refs.append(("monitoring", kps["prometheus"]["prometheusSpec"]["thanos"]["objectStorageConfig"]["existingSecret"]["name"],
                 "kube-prometheus-stack prometheus thanos objstore"))
    refs.append(("monitoring", app_values("thanos")["existingObjstoreSecret"], "thanos existingObjstoreSecret"))
    for app, ns, path in [("loki", "logging", ("singleBinary", "extraEnvFrom")), ("tempo", "observability", ("tempo", "extraEnvFrom"))]:
        v = app_values(app)
        for e in v[path[0]][path[1]]:
            refs.append((ns, e["secretRef"]["name"], f"{app} {'.'.join(path)}"))
    # Alertmanager reads files from mounted secrets: each file's secret must be mounted, each key produced.
    am = kps["alertmanager"]
    mounted = set(am["alertmanagerSpec"].get("secrets", []))
    for path in re.findall(r"/etc/alertmanager/secrets/([^/\s'\"]+)/([^\s'\"]+)", yaml.safe_dump(am["config"])):
        if path[0] not in mounted:
            fail(f"alertmanager config reads /etc/alertmanager/secrets/{path[0]}/ but that Secret is not mounted")
        keys = {k for d in manifests() if d.get("kind") == "ExternalSecret" and d["spec"]["target"]["name"] == path[0]
                for k in [x["secretKey"] for x in d["spec"].get("data", [])]}
        if path[1] not in keys:
            fail(f"alertmanager config reads key {path[1]!r} of {path[0]}, which its ExternalSecret does not produce")
    return refs


def referenced_by_pods(rendered: list[dict]) -> list[tuple[str, str, str]]:
    refs = []
    for d in rendered:
        spec = d.get("spec", {})
        pod = spec.get("template", {}).get("spec") if d.get("kind") in {"Deployment", "StatefulSet", "Job", "DaemonSet"} else None
        if not pod:
            continue
        ns = d["metadata"].get("namespace", "")
        where = f"{d['kind']}/{d['metadata']['name']}"
        for v in pod.get("volumes", []):
            if "secret" in v:
                refs.append((ns, v["secret"]["secretName"], where))
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            for e in c.get("envFrom", []):
                if "secretRef" in e:
                    refs.append((ns, e["secretRef"]["name"], where))
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.append((ns, ref["name"], where))
    return refs


def check_secrets(rendered_sets: dict[str, list[dict]]):
    all_rendered = [d for docs in rendered_sets.values() for d in docs]
    produced = produced_secrets(all_rendered)
    refs = referenced_by_apps()
    for name, docs in rendered_sets.items():
        own = produced_secrets(docs)
        for ns, secret, where in referenced_by_pods(docs):
            if (ns, secret) not in own:
                fail(f"rendered {name}: {where} references Secret {ns}/{secret}, which nothing in the chart produces")
    for ns, secret, where in refs:
        if (ns, secret) not in produced:
            fail(f"{where} references Secret {ns}/{secret}, which nothing in the repository produces")
    for env_dir in sorted((HERE / "secrets").iterdir()):
        names = {(d["metadata"]["namespace"], d["spec"]["target"]["name"]) for d in load_all(env_dir / "externalsecrets.yaml")
                 if d["kind"] == "ExternalSecret"}
        missing = {(ns, s) for ns, s, _ in refs} - names
        if missing:
            fail(f"secrets/{env_dir.name} lacks {sorted(missing)}")
    print(f"secrets: {len(refs)} platform references, all produced by ExternalSecrets"
          + (f"; pod references checked in {len(rendered_sets)} rendered value sets" if rendered_sets else
             "; pod references not checked (no rendered chart given)"))


# ----------------------------------------------------------------------------------------- alerts
def check_alerts(rendered_sets):
    groups = []
    for f in sorted((HERE / "manifests").glob("rules-*.yaml")):
        for d in load_all(f):
            groups += d["spec"]["groups"]
    for docs in list(rendered_sets.values())[:1]:
        for d in docs:
            if d.get("kind") == "PrometheusRule":
                groups += d["spec"]["groups"]
    n = 0
    for g in groups:
        for r in g["rules"]:
            if "alert" not in r:
                continue
            n += 1
            ann = r.get("annotations", {})
            for key in ("summary", "description", "runbook_url"):
                if not ann.get(key):
                    fail(f"alert {r['alert']} has no {key}")
            m = re.search(r"/deploy/observability/runbooks/([A-Za-z0-9]+\.md)$", ann.get("runbook_url", ""))
            if not m or not (HERE / "runbooks" / m.group(1)).is_file():
                fail(f"alert {r['alert']}: runbook_url {ann.get('runbook_url')!r} is not a runbook in deploy/observability/runbooks")
            if r.get("labels", {}).get("severity") not in {"critical", "warning", "info"}:
                fail(f"alert {r['alert']}: severity must be critical, warning or info")
    print(f"alerts: {n}, each with summary, description, severity and a runbook in the repository")


# -------------------------------------------------------------------------------------- retention
def days(duration: str) -> int:
    m = re.fullmatch(r"(\d+)([hdwy])", duration)
    n, unit = int(m.group(1)), m.group(2)
    return {"h": n / 24, "d": n, "w": 7 * n, "y": 365 * n}[unit]


def check_retention():
    tf = (TF / "main.tf").read_text()
    floors = {k: int(v) for k, v in re.findall(r"^\s*(thanos|loki|tempo)\s*=\s*(\d+)\s*#\s*retention floor", tf, re.M)}
    thanos = app_values("thanos")["compactor"]
    longest = max(days(thanos[k]) for k in ("retentionResolutionRaw", "retentionResolution5m", "retentionResolution1h"))
    loki = days(app_values("loki")["loki"]["limits_config"]["retention_period"])
    tempo = days(app_values("tempo")["tempo"]["retention"])
    for name, kept in (("thanos", longest), ("loki", loki), ("tempo", tempo)):
        floor = floors.get(name)
        if floor is None:
            fail(f"infra/terraform/modules/observability: no retention floor for {name}")
        elif floor <= kept:
            fail(f"{name} keeps data {kept:g} days but its bucket may expire objects after {floor} days")
        else:
            print(f"retention: {name} keeps {kept:g} days; its bucket never expires objects before {floor} days")


def app_doc(name: str) -> dict:
    return yaml.safe_load((APPS / f"{name}.yaml").read_text())


def check_tracing():
    istiod = app_values("istiod")
    providers = {p["name"]: p for p in istiod["meshConfig"].get("extensionProviders", [])}
    # Where Tempo listens: the chart names its Service after the release (release "tempo" contains
    # the chart name), in the Application's namespace; OTLP/gRPC on the receiver's port.
    tempo = app_doc("tempo")
    release = tempo["spec"]["source"]["helm"]["releaseName"]
    namespace = tempo["spec"]["destination"]["namespace"]
    grpc = app_values("tempo")["tempo"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
    tempo_service, tempo_port = f"{release}.{namespace}.svc.cluster.local", int(grpc.rsplit(":", 1)[1])
    selected = 0
    for d in manifests():
        if d["kind"] != "Telemetry":
            continue
        for t in d["spec"]["tracing"]:
            for p in t["providers"]:
                selected += 1
                provider = providers.get(p["name"])
                if provider is None:
                    fail(f"Telemetry {d['metadata']['name']} selects tracing provider {p['name']!r}; istiod's "
                         f"meshConfig.extensionProviders defines {sorted(providers)}")
                    continue
                otel = provider.get("opentelemetry")
                if not otel or (otel.get("service"), otel.get("port")) != (tempo_service, tempo_port):
                    fail(f"istiod's tracing provider {p['name']!r} is {provider}; Tempo receives OTLP/gRPC at "
                         f"{tempo_service}:{tempo_port}")
                    continue
                print(f"tracing: Telemetry selects provider {p['name']!r} ({tempo_service}:{tempo_port}) "
                      f"at {t['randomSamplingPercentage']}%")
    if not selected:
        fail("no Istio Telemetry selects a tracing provider")


def main() -> int:
    rendered_sets = {}
    if len(sys.argv) > 1 and Path(sys.argv[1]).is_dir():
        for f in sorted(Path(sys.argv[1]).glob("*.yaml")):
            rendered_sets[f.stem] = load_all(f)
    boards = check_dashboards()
    check_logql(boards)
    check_alertmanager()
    check_secrets(rendered_sets)
    check_alerts(rendered_sets)
    check_retention()
    check_tracing()
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
