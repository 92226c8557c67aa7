#!/usr/bin/env python3
"""Observability as code: the one source of Wayfare's dashboards, recording rules, alerts and
their promtool tests.

    python3 deploy/observability/generate.py            # rewrite manifests/ (commit the result)
    python3 deploy/observability/generate.py --check    # fail if manifests/ is stale (verify.sh)
    python3 deploy/observability/generate.py --tests DIR  # write promtool rule + test files to DIR

Outputs (Kubernetes objects that the `observability` Argo CD Application syncs):
  manifests/rules-*.yaml          PrometheusRule objects (kube-prometheus-stack selects release label)
  manifests/dashboards.yaml       one ConfigMap per dashboard, label grafana_dashboard: "1"
  manifests/telemetry.yaml        the mesh-wide Istio Telemetry: tracing provider and sampling rate
  secrets/<env>/externalsecrets.yaml  ClusterSecretStore + the observability ExternalSecrets
Every alert carries `runbook_url` (runbooks/<Alert>.md, which must exist), a `summary` and a
`description`, and two promtool cases: one that fires and one that does not.

Panels are checked against a real Prometheus by verify.sh. A panel that needs something CI does
not run says so in its `wayfareRequires` list: a service that is not built yet (`service:flight`),
or a component that exists only in a cluster (`istio`, `kube-state-metrics`, `thanos`, `loki`,
`external-secrets`); verify.sh skips those panels by name and prints why.
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFESTS = HERE / "manifests"
SECRETS_DIR = HERE / "secrets"
RUNBOOKS = HERE / "runbooks"
REPO_BLOB = "https://github.com/wayfare/wayfare/blob/main/deploy/observability/runbooks"

# Services of ARCHITECTURE.md section 1: built ones, and the ones still to come (their panels and
# rules exist already; the real-Prometheus check skips their panels and says so).
BUILT = ["gateway", "auth", "catalog", "order", "payment"]
PENDING = ["flight", "booking", "admin"]
SERVICES = BUILT + PENDING
# Services that read through the cache (cache_requests_total): catalog's products, order's carts.
CACHE_READERS = {"catalog", "order", "flight", "booking"}

# Data sources by fixed UID (kube-prometheus-stack grafana values in deploy/argocd).
THANOS = {"type": "prometheus", "uid": "thanos"}
LOKI = {"type": "loki", "uid": "loki"}
JAEGER = {"type": "jaeger", "uid": "jaeger"}

# Requests that are the API (operational endpoints excluded).
API = 'route!~"/healthz|/readyz|/metrics"'
# Service level objectives, per service's API: availability (non-5xx) and latency (answered
# within LATENCY_SECONDS). Error budgets are 1 - objective.
AVAILABILITY_OBJECTIVE = 0.999
LATENCY_OBJECTIVE = 0.99
LATENCY_SECONDS = "1"  # a bucket boundary of the chassis' histogram (crates/chassis/src/metrics.rs)
WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
# Multi-window, multi-burn-rate (Google SRE workbook, ch. 5): (long, short, factor, severity, for).
BURNS = {
    "Fast": [("1h", "5m", 14.4), ("6h", "30m", 6)],
    "Slow": [("1d", "2h", 3), ("3d", "6h", 1)],
}
BURN_SEVERITY = {"Fast": "critical", "Slow": "warning"}
BURN_FOR = {"Fast": "1m", "Slow": "15m"}
SLOW_STEP = 1800  # seconds between samples (and rule evaluations) in the slow-burn promtool tests


def runbook(alert: str) -> str:
    return f"{REPO_BLOB}/{alert}.md"


# ------------------------------------------------------------------------------------------ rules
def error_ratio(by: str, window: str) -> str:
    """5xx / all API requests; 0 (not absent) when there was traffic but no 5xx series yet."""
    total = f"sum by ({by}) (rate(http_requests_total{{{API}}}[{window}]))"
    return (f'(sum by ({by}) (rate(http_requests_total{{{API}, status=~"5.."}}[{window}])) or {total} * 0)\n'
            f"  / {total}")


def slo_recording_rules() -> list[dict]:
    rules = []
    for w in WINDOWS:
        rules.append({
            "record": f"service:http_errors:ratio_rate{w}",
            "expr": error_ratio("service", w),
        })
    for w in WINDOWS:
        rules.append({
            "record": f"service:http_slow:ratio_rate{w}",
            "expr": f'1 - (\n  sum by (service) (rate(http_request_duration_seconds_bucket{{{API}, le="{LATENCY_SECONDS}"}}[{w}]))\n'
                    f'  / sum by (service) (rate(http_request_duration_seconds_count{{{API}}}[{w}]))\n)',
        })
    return rules


def dashboard_recording_rules() -> list[dict]:
    return [
        {"record": "service_route:http_requests:rate5m",
         "expr": f"sum by (service, route, method, status) (rate(http_requests_total{{{API}}}[5m]))"},
        {"record": "service_route:http_request_duration_seconds:p99_5m",
         "expr": "histogram_quantile(0.99, sum by (service, route, le) "
                 f"(rate(http_request_duration_seconds_bucket{{{API}}}[5m])))"},
        {"record": "service_version:http_errors:ratio_rate5m", "expr": error_ratio("service, version", "5m")},
        # Checkouts started in the last 30 minutes that neither confirmed nor failed (yet): the
        # reconciler's backlog as seen from the order service's counters.
        {"record": "wayfare:orders_unsettled:increase30m",
         "expr": 'clamp_min(sum(increase(orders_total{status="created"}[30m]))\n'
                 '  - sum(increase(orders_total{status=~"confirmed|failed"}[30m])), 0)'},
        {"record": "wayfare:checkout_declines:ratio_rate15m",
         "expr": 'sum(rate(orders_total{status="failed", reason=~"payment_declined|insufficient_funds"}[15m]))\n'
                 '  / sum(rate(orders_total{status="created"}[15m]))'},
    ]


def series(labels: dict, values: str) -> dict:
    body = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{{{body}}}" if "__name__" not in labels else None, "values": values}


def s(metric: str, labels: dict, values: str) -> dict:
    body = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{metric}{{{body}}}", "values": values}


class Alert:
    """One alerting rule and its two promtool cases."""

    def __init__(self, name, expr, summary, description, severity="warning", for_="5m",
                 labels=None, fire=None, quiet=None, eval_time="30m", expect=None, group="wayfare"):
        self.name, self.expr, self.summary, self.description = name, expr, summary, description
        self.severity, self.for_, self.labels = severity, for_, labels or {}
        self.fire, self.quiet, self.eval_time, self.expect, self.group = fire, quiet, eval_time, expect or {}, group

    def rule(self) -> dict:
        r = {"alert": self.name, "expr": self.expr}
        if self.for_:
            r["for"] = self.for_
        r["labels"] = {"severity": self.severity, **self.labels}
        r["annotations"] = {"summary": self.summary, "description": self.description,
                            "runbook_url": runbook(self.name)}
        return r


def counter(rate_per_s: float, samples: int, step_s: int = 60) -> str:
    """promtool series notation for a counter growing at rate_per_s, one sample per step."""
    return f"0+{rate_per_s * step_s:g}x{samples}"


def slo_alerts() -> list[Alert]:
    alerts = []
    for svc in SERVICES:
        for sli, metric_good, budget, what in [
            ("Availability", None, 1 - AVAILABILITY_OBJECTIVE, "5xx answers"),
            ("Latency", None, 1 - LATENCY_OBJECTIVE, f"answers slower than {LATENCY_SECONDS}s"),
        ]:
            rec = "http_errors" if sli == "Availability" else "http_slow"
            for speed, pairs in BURNS.items():
                terms = []
                for long_w, short_w, factor in pairs:
                    thr = f"{factor * budget:.6g}"
                    terms.append(f'(service:{rec}:ratio_rate{long_w}{{service="{svc}"}} > {thr}\n'
                                 f' and service:{rec}:ratio_rate{short_w}{{service="{svc}"}} > {thr})')
                expr = "\n or ".join(terms)
                name = f"SLO{sli}{speed}Burn"
                objective = AVAILABILITY_OBJECTIVE if sli == "Availability" else LATENCY_OBJECTIVE
                horizon = "within hours" if speed == "Fast" else "within days"
                # promtool: 100 requests/s for the test's duration; bad ones at 50% (fires) or 0.01% (quiet).
                # Slow burns look back 3 days: their tests sample every 30 minutes (SLOW_STEP).
                step = 60 if speed == "Fast" else SLOW_STEP
                minutes = 200 if speed == "Fast" else 75 * 3600 // SLOW_STEP
                eval_time = "60m" if speed == "Fast" else "72h"
                api = {"service": svc, "route": "/api/x", "method": "GET"}
                if sli == "Availability":
                    fire = [s("http_requests_total", {**api, "status": "200"}, counter(50, minutes, step)),
                            s("http_requests_total", {**api, "status": "503"}, counter(50, minutes, step))]
                    quiet = [s("http_requests_total", {**api, "status": "200"}, counter(100, minutes, step)),
                             s("http_requests_total", {**api, "status": "503"}, counter(0.00001, minutes, step))]
                else:
                    def hist(fast, total):
                        return [s("http_request_duration_seconds_bucket", {**api, "status": "200", "le": LATENCY_SECONDS}, counter(fast, minutes, step)),
                                s("http_request_duration_seconds_count", {**api, "status": "200"}, counter(total, minutes, step))]
                    fire, quiet = hist(50, 100), hist(99.99, 100)
                alerts.append(Alert(
                    name=name, expr=expr, severity=BURN_SEVERITY[speed], for_=BURN_FOR[speed],
                    labels={"service": svc, "slo": sli.lower()},
                    summary=f"{svc}: {what} are burning the {objective:.1%} {sli.lower()} error budget too fast",
                    description=(f"{svc}'s API is spending its 30-day {sli.lower()} error budget at "
                                 f"{'14.4x/6x' if speed == 'Fast' else '3x/1x'} the sustainable rate; "
                                 f"at this pace the budget is gone {horizon}."
                                ),
                    fire=fire, quiet=quiet, eval_time=eval_time,
                    expect={"service": svc, "slo": sli.lower(), "severity": BURN_SEVERITY[speed]},
                    group="wayfare-slo"))
    return alerts


def other_alerts() -> list[Alert]:
    svc = {"service": "order"}
    return [
        # ---------------------------------------------------------------- services and scraping
        Alert("WayfareTargetDown",
              'up{job=~".*wayfare.*|gateway|auth|catalog|order|payment|flight|booking|admin"} == 0',
              "{{ $labels.service }} ({{ $labels.instance }}) cannot be scraped",
              "Prometheus has not reached {{ $labels.service }}'s metrics endpoint for a minute: the "
              "process is down, not ready, or its ops port is unreachable.",
              severity="critical", for_="1m",
              fire=[s("up", {"job": "wayfare", "service": "payment", "instance": "p:9464"}, "0x10")],
              quiet=[s("up", {"job": "wayfare", "service": "payment", "instance": "p:9464"}, "1x10")],
              eval_time="5m", expect={"service": "payment", "job": "wayfare", "instance": "p:9464"}),
        Alert("WayfareDatabaseUnreachable",
              'sum by (service) (db_pool_connections) == 0\n'
              'and on (service) sum by (service) (rate(http_requests_total{status="503"}[5m])) > 0',
              "{{ $labels.service }} has no database connection and answers 503",
              "The service's pool holds no connection while it answers 503: its database (RDS or the "
              "embedded file) is unreachable or refusing connections.",
              severity="critical", for_="2m",
              fire=[s("db_pool_connections", {"service": "catalog", "state": "idle"}, "0x20"),
                    s("db_pool_connections", {"service": "catalog", "state": "in_use"}, "0x20"),
                    s("http_requests_total", {"service": "catalog", "route": "/api/x", "method": "GET", "status": "503"}, "0+60x20")],
              quiet=[s("db_pool_connections", {"service": "catalog", "state": "idle"}, "2x20"),
                     s("db_pool_connections", {"service": "catalog", "state": "in_use"}, "1x20"),
                     s("http_requests_total", {"service": "catalog", "route": "/api/x", "method": "GET", "status": "503"}, "0+60x20")],
              eval_time="15m", expect={"service": "catalog"}),
        Alert("WayfareDatabasePoolSaturated",
              'sum by (service) (db_pool_connections{state="in_use"})\n'
              '  / sum by (service) (db_pool_max_connections) > 0.9',
              "{{ $labels.service }} uses over 90% of its database connections",
              "Requests queue for a connection (and turn into 503 after 3 s). Check slow queries and "
              "RDS load before raising the pool size.",
              for_="10m",
              fire=[s("db_pool_connections", {"service": "order", "state": "in_use"}, "20x30"),
                    s("db_pool_max_connections", {"service": "order"}, "20x30")],
              quiet=[s("db_pool_connections", {"service": "order", "state": "in_use"}, "5x30"),
                     s("db_pool_max_connections", {"service": "order"}, "20x30")],
              eval_time="20m", expect={"service": "order"}),
        Alert("WayfareRedisUnavailable",
              'max by (service, instance) (max_over_time(cache_backend_up{backend="redis"}[5m])) == 0',
              "{{ $labels.service }} cannot use Redis",
              "Every Redis command of the last 5 minutes failed: reads go to the database, rate limits "
              "are per pod. Correct but slower; check ElastiCache.",
              for_="5m",
              fire=[s("cache_backend_up", {"service": "catalog", "instance": "c", "backend": "redis"}, "0x30")],
              quiet=[s("cache_backend_up", {"service": "catalog", "instance": "c", "backend": "redis"}, "1x30")],
              eval_time="20m", expect={"service": "catalog", "instance": "c"}),
        Alert("WayfareRedisErrors",
              "sum by (service) (rate(cache_errors_total[5m])) > 1",
              "{{ $labels.service }}: Redis commands are failing",
              "More than one Redis command per second fails or times out. "
              "Each is served as a cache miss.",
              for_="10m",
              fire=[s("cache_errors_total", {"service": "gateway", "command": "GET"}, "0+300x30")],
              quiet=[s("cache_errors_total", {"service": "gateway", "command": "GET"}, "0+1x30")],
              eval_time="25m", expect={"service": "gateway"}),
        Alert("WayfareCircuitOpen",
              "sum by (service, upstream) (rate(client_circuit_open_total[5m])) > 0.1",
              "{{ $labels.service }} refuses calls to {{ $labels.upstream }}: circuit breaker open",
              "The upstream failed repeatedly and calls are short-circuited; callers get 503. Look at "
              "{{ $labels.upstream }}'s alerts first.",
              for_="5m",
              fire=[s("client_circuit_open_total", {"service": "order", "upstream": "payment"}, "0+60x20")],
              quiet=[s("client_circuit_open_total", {"service": "order", "upstream": "payment"}, "0x20")],
              eval_time="15m", expect={"service": "order", "upstream": "payment"}),
        # ---------------------------------------------------------------- money path
        Alert("CheckoutReconcilerBacklog",
              "wayfare:orders_unsettled:increase30m > 25",
              "More than 25 checkouts of the last 30 minutes are still pending",
              "Orders stay pending when payment or catalog did not answer; the reconciler should settle "
              "them within a minute.",
              for_="15m", group="wayfare-money",
              fire=[s("orders_total", {"status": "created"}, "0+10x60"),
                    s("orders_total", {"status": "confirmed"}, "0+5x60")],
              quiet=[s("orders_total", {"status": "created"}, "0+10x60"),
                     s("orders_total", {"status": "confirmed"}, "0+10x60")],
              eval_time="55m"),
        Alert("PaymentsNotCompleting",
              'sum(rate(orders_total{status="failed", reason=~"payment_timeout|payment_failed|checkout_interrupted"}[15m]))\n'
              '  / sum(rate(orders_total{status="created"}[15m])) > 0.05',
              "Over 5% of checkouts end with the payment stuck, timed out or failed",
              "Charges are not completing (provider timeouts or errors, or payments left processing "
              "until the sweeper settled them). Customers see failed checkouts.",
              severity="critical", for_="10m", group="wayfare-money",
              fire=[s("orders_total", {"status": "created"}, "0+100x40"),
                    s("orders_total", {"status": "failed", "reason": "payment_timeout"}, "0+20x40")],
              quiet=[s("orders_total", {"status": "created"}, "0+100x40"),
                     s("orders_total", {"status": "failed", "reason": "payment_timeout"}, "0+1x40")],
              eval_time="35m"),
        Alert("CheckoutDeclineRateHigh",
              "wayfare:checkout_declines:ratio_rate15m > 0.3",
              "More than 30% of checkouts are declined",
              "Normal is a few percent. A jump means card testing (fraud) or a provider rejecting valid "
              "cards.",
              for_="15m", group="wayfare-money",
              fire=[s("orders_total", {"status": "created"}, "0+100x60"),
                    s("orders_total", {"status": "failed", "reason": "payment_declined"}, "0+50x60")],
              quiet=[s("orders_total", {"status": "created"}, "0+100x60"),
                     s("orders_total", {"status": "failed", "reason": "payment_declined"}, "0+3x60")],
              eval_time="50m"),
        Alert("StockReservationsExpiringUnpaid",
              "sum(rate(catalog_reservations_expired_total[30m]))\n"
              '  / sum(rate(catalog_reservations_total{result="reserved"}[30m])) > 0.1',
              "Over 10% of stock reservations expire without being paid",
              "Reservations are committed or released by checkout; the sweeper returning many of them "
              "means checkouts die between reserve and charge (order crashes, payment unreachable).",
              for_="15m", group="wayfare-money",
              fire=[s("catalog_reservations_total", {"result": "reserved"}, "0+100x80"),
                    s("catalog_reservations_expired_total", {}, "0+30x80")],
              quiet=[s("catalog_reservations_total", {"result": "reserved"}, "0+100x80"),
                     s("catalog_reservations_expired_total", {}, "0+2x80")],
              eval_time="70m"),
        Alert("SeatHoldsExpiringUnpaid",
              "sum(rate(flight_seat_holds_expired_total[30m]))\n"
              '  / sum(rate(flight_seat_holds_total{result="held"}[30m])) > 0.3',
              "Over 30% of seat holds expire without a confirmed booking",
              "Some abandoned holds are normal; this many means booking confirmation or payment is "
              "failing and seats are blocked from sale for the hold's lifetime.",
              for_="15m", group="wayfare-money",
              fire=[s("flight_seat_holds_total", {"result": "held"}, "0+100x80"),
                    s("flight_seat_holds_expired_total", {}, "0+60x80")],
              quiet=[s("flight_seat_holds_total", {"result": "held"}, "0+100x80"),
                     s("flight_seat_holds_expired_total", {}, "0+10x80")],
              eval_time="70m"),
        Alert("PaymentsStuckProcessing",
              'sum(increase(worker_items_total{worker="payment-settler"}[30m])) > 5',
              "Payments are being left in processing and settled by the sweeper",
              "More than 5 charges in 30 minutes stayed `processing` until payment's settler resolved them: "
              "the provider stopped answering or payment pods died mid-charge. Their orders wait pending meanwhile.",
              for_=None, group="wayfare-money",
              fire=[s("worker_items_total", {"service": "payment", "worker": "payment-settler"}, "0+1x40")],
              quiet=[s("worker_items_total", {"service": "payment", "worker": "payment-settler"}, "0x40")],
              eval_time="35m"),
        Alert("BackgroundWorkerFailing",
              'sum by (service, worker) (increase(worker_runs_total{outcome="error"}[15m])) > 0\n'
              'unless sum by (service, worker) (increase(worker_runs_total{outcome="ok"}[15m])) > 0',
              "{{ $labels.service }}: background worker {{ $labels.worker }} fails every run",
              "No run of {{ $labels.worker }} succeeded for 15 minutes. The reconciler settles pending orders, "
              "the settler stuck payments, the hold sweeper returns expired stock: money and stock stay in limbo.",
              severity="critical", for_="5m", group="wayfare-money",
              fire=[s("worker_runs_total", {"service": "order", "worker": "order-reconciler", "outcome": "error"}, "0+6x40"),
                    s("worker_runs_total", {"service": "order", "worker": "order-reconciler", "outcome": "ok"}, "0x40")],
              quiet=[s("worker_runs_total", {"service": "order", "worker": "order-reconciler", "outcome": "error"}, "0+1x40"),
                     s("worker_runs_total", {"service": "order", "worker": "order-reconciler", "outcome": "ok"}, "0+5x40")],
              eval_time="30m", expect={"service": "order", "worker": "order-reconciler"}),
        Alert("BackgroundWorkerStale",
              "time() - max by (service, worker) (worker_last_success_timestamp_seconds) > 15 * 60",
              "{{ $labels.service }}: background worker {{ $labels.worker }} has not succeeded for 15 minutes",
              "The last successful run is older than 15 minutes: the worker is stuck in a run, or its lease "
              "holder is gone without releasing the lease.",
              for_="5m", group="wayfare-money",
              fire=[s("worker_last_success_timestamp_seconds", {"service": "order", "worker": "order-reconciler"}, "60x60")],
              quiet=[s("worker_last_success_timestamp_seconds", {"service": "order", "worker": "order-reconciler"}, "0+60x60")],
              eval_time="50m", expect={"service": "order", "worker": "order-reconciler"}),
        Alert("RefreshTokenReuse",
              "sum(increase(auth_refresh_reuse_total[15m])) > 5",
              "Refresh tokens are being replayed",
              "More than 5 rotated refresh tokens were presented again in 15 minutes; each revokes a "
              "session. Possible token theft.",
              for_=None, group="wayfare-money",
              fire=[s("auth_refresh_reuse_total", {}, "0+2x30")],
              quiet=[s("auth_refresh_reuse_total", {}, "0x30")],
              eval_time="20m"),
        # ---------------------------------------------------------------- cluster dependencies
        Alert("ExternalSecretNotSynced",
              'max by (namespace, name) (externalsecret_status_condition{condition="Ready", status="False"}) == 1',
              "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} is not syncing",
              "The Kubernetes Secret is stale or missing: new pods of that service (or Alertmanager, "
              "Grafana, Thanos) cannot start with current credentials.",
              for_="15m", group="wayfare-dependencies",
              fire=[s("externalsecret_status_condition", {"namespace": "wayfare-prod", "name": "catalog", "condition": "Ready", "status": "False"}, "1x30")],
              quiet=[s("externalsecret_status_condition", {"namespace": "wayfare-prod", "name": "catalog", "condition": "Ready", "status": "False"}, "0x30")],
              eval_time="20m", expect={"namespace": "wayfare-prod", "name": "catalog"}),
        Alert("CertificateExpiringSoon",
              "(min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time()) < 14 * 86400",
              "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days",
              "cert-manager renews 30 days before expiry; a certificate this close to expiring means renewal "
              "keeps failing (ACME DNS-01 challenge, Route 53 permissions). Browsers refuse the site when it expires.",
              for_="1h", group="wayfare-dependencies",
              fire=[s("certmanager_certificate_expiration_timestamp_seconds", {"namespace": "istio-ingress", "name": "wayfare-prod-tls"}, "86400x90")],
              quiet=[s("certmanager_certificate_expiration_timestamp_seconds", {"namespace": "istio-ingress", "name": "wayfare-prod-tls"}, "9999999999x90")],
              eval_time="80m", expect={"namespace": "istio-ingress", "name": "wayfare-prod-tls"}),
        Alert("HpaAtMaximum",
              "kube_horizontalpodautoscaler_status_current_replicas\n"
              "  >= kube_horizontalpodautoscaler_spec_max_replicas",
              "{{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs at its maximum replicas",
              "The autoscaler cannot add pods; if load keeps rising latency will. Raise maxReplicas or "
              "find what got slower.",
              for_="15m", group="wayfare-dependencies",
              fire=[s("kube_horizontalpodautoscaler_status_current_replicas", {"namespace": "wayfare-prod", "horizontalpodautoscaler": "order"}, "10x30"),
                    s("kube_horizontalpodautoscaler_spec_max_replicas", {"namespace": "wayfare-prod", "horizontalpodautoscaler": "order"}, "10x30")],
              quiet=[s("kube_horizontalpodautoscaler_status_current_replicas", {"namespace": "wayfare-prod", "horizontalpodautoscaler": "order"}, "4x30"),
                     s("kube_horizontalpodautoscaler_spec_max_replicas", {"namespace": "wayfare-prod", "horizontalpodautoscaler": "order"}, "10x30")],
              eval_time="20m", expect={"namespace": "wayfare-prod", "horizontalpodautoscaler": "order"}),
        Alert("ThanosCompactHalted",
              "max by (job) (thanos_compact_halted) == 1",
              "The Thanos compactor has halted",
              "No compaction, downsampling or retention runs until it is fixed; the bucket grows and "
              "long-range queries slow down.",
              severity="critical", for_="5m", group="wayfare-dependencies",
              fire=[s("thanos_compact_halted", {"job": "thanos-compactor"}, "1x20")],
              quiet=[s("thanos_compact_halted", {"job": "thanos-compactor"}, "0x20")],
              eval_time="15m", expect={"job": "thanos-compactor"}),
        Alert("ThanosCompactFailing",
              "sum by (job) (increase(thanos_compact_group_compactions_failures_total[1h])) > 0\n"
              "or (time() - max by (job) (thanos_objstore_bucket_last_successful_upload_time{job=~\".*compact.*\"})) > 24 * 3600",
              "Thanos compaction is failing or has not uploaded for a day",
              "Compactions fail or nothing was written to the bucket for 24 h; downsampled data and "
              "retention are falling behind.",
              for_="30m", group="wayfare-dependencies",
              fire=[s("thanos_compact_group_compactions_failures_total", {"job": "thanos-compactor"}, "0+1x90")],
              quiet=[s("thanos_compact_group_compactions_failures_total", {"job": "thanos-compactor"}, "0x90")],
              eval_time="80m", expect={"job": "thanos-compactor"}),
        Alert("LokiIngestionFailing",
              'sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push|api_prom_push", status_code=~"5.."}[5m]))\n'
              '  / sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push|api_prom_push"}[5m])) > 0.05',
              "Loki rejects more than 5% of log pushes",
              "Log lines are being dropped or retried by the agent; new logs may be missing from "
              "Grafana.",
              for_="10m", group="wayfare-dependencies",
              fire=[s("loki_request_duration_seconds_count", {"route": "loki_api_v1_push", "status_code": "500"}, "0+600x30"),
                    s("loki_request_duration_seconds_count", {"route": "loki_api_v1_push", "status_code": "204"}, "0+600x30")],
              quiet=[s("loki_request_duration_seconds_count", {"route": "loki_api_v1_push", "status_code": "500"}, "0x30"),
                     s("loki_request_duration_seconds_count", {"route": "loki_api_v1_push", "status_code": "204"}, "0+600x30")],
              eval_time="25m"),
        Alert("LokiIngestionStopped",
              "sum(rate(loki_distributor_lines_received_total[10m])) == 0",
              "Loki has received no log lines for 10 minutes",
              "Either the log agent (Alloy) is down everywhere or it cannot reach Loki.",
              severity="critical", for_="10m", group="wayfare-dependencies",
              fire=[s("loki_distributor_lines_received_total", {"tenant": "fake"}, "100x40")],
              quiet=[s("loki_distributor_lines_received_total", {"tenant": "fake"}, "0+600x40")],
              eval_time="35m"),
        Alert("WayfareDeploymentUnavailable",
              'kube_deployment_status_replicas_available{namespace=~"wayfare-.*"}\n'
              '  < kube_deployment_spec_replicas{namespace=~"wayfare-.*"}',
              "{{ $labels.namespace }}/{{ $labels.deployment }} has fewer available replicas than desired",
              "Pods fail readiness (database unreachable), crash, or cannot be scheduled.",
              for_="15m", group="wayfare-dependencies",
              fire=[s("kube_deployment_status_replicas_available", {"namespace": "wayfare-prod", "deployment": "order"}, "1x30"),
                    s("kube_deployment_spec_replicas", {"namespace": "wayfare-prod", "deployment": "order"}, "3x30")],
              quiet=[s("kube_deployment_status_replicas_available", {"namespace": "wayfare-prod", "deployment": "order"}, "3x30"),
                     s("kube_deployment_spec_replicas", {"namespace": "wayfare-prod", "deployment": "order"}, "3x30")],
              eval_time="20m", expect={"namespace": "wayfare-prod", "deployment": "order"}),
        Alert("WayfareMigrationFailed",
              'kube_job_status_failed{namespace=~"wayfare-.*", job_name=~".+-migrate"} > 0',
              "Database migration {{ $labels.namespace }}/{{ $labels.job_name }} failed",
              "The sync is blocked and new pods of that service will not start until the migration "
              "succeeds.",
              severity="critical", for_=None, group="wayfare-dependencies",
              fire=[s("kube_job_status_failed", {"namespace": "wayfare-prod", "job_name": "order-migrate"}, "1x10")],
              quiet=[s("kube_job_status_failed", {"namespace": "wayfare-prod", "job_name": "order-migrate"}, "0x10")],
              eval_time="5m", expect={"namespace": "wayfare-prod", "job_name": "order-migrate"}),
    ]


def all_alerts() -> list[Alert]:
    return slo_alerts() + other_alerts()


def prometheus_rule(name: str, groups: list[dict]) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": name, "namespace": "monitoring",
                     "labels": {"release": "kube-prometheus-stack", "app.kubernetes.io/part-of": "wayfare"}},
        "spec": {"groups": groups},
    }


def rule_objects() -> dict[str, dict]:
    by_group: dict[str, list[dict]] = {}
    for a in all_alerts():
        by_group.setdefault(a.group, []).append(a.rule())
    return {
        "rules-recording": prometheus_rule("wayfare-recording", [
            {"name": "wayfare-slo-recording", "rules": slo_recording_rules()},
            {"name": "wayfare-dashboard-recording", "rules": dashboard_recording_rules()},
        ]),
        "rules-alerts": prometheus_rule("wayfare-alerts", [
            {"name": g, "rules": rules} for g, rules in by_group.items()
        ]),
    }


def render(template: str, labels: dict) -> str:
    """The annotation as Prometheus renders it (annotations use only {{ $labels.x }})."""
    import re
    out = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m[1], ""), template)
    assert "{{" not in out, f"unsupported template in {template!r}"
    return out


def promtool_tests(rule_files: list[str], slow: bool) -> dict:
    """One promtool test file: the slow-burn SLO alerts (3-day windows, 30-minute steps) or the rest."""
    tests = []
    for a in all_alerts():
        if (a.name.endswith("SlowBurn")) != slow:
            continue
        for kind, input_series in (("fires", a.fire), ("quiet", a.quiet)):
            exp = []
            if kind == "fires":
                labels = {"severity": a.severity, **a.labels, **a.expect}
                exp = [{"exp_labels": labels,
                        "exp_annotations": {k: render(v, labels) for k, v in a.rule()["annotations"].items()}}]
            tests.append({
                "name": f"{a.name}{'/' + a.labels['service'] if 'service' in a.labels else ''} {kind}",
                "interval": f"{SLOW_STEP}s" if slow else "1m",
                "input_series": input_series,
                "alert_rule_test": [{"alertname": a.name, "eval_time": a.eval_time, "exp_alerts": exp}],
            })
    # Recording groups first at every step (promtool otherwise orders groups at random, and an
    # alert reading a recording made one 30-minute step earlier would see a stale series).
    order = [g["name"] for obj in rule_objects().values() for g in obj["spec"]["groups"]]
    return {"rule_files": rule_files, "evaluation_interval": f"{SLOW_STEP}s" if slow else "1m",
            "group_eval_order": order, "tests": tests}


# ------------------------------------------------------------------------------------- dashboards
class Board:
    def __init__(self, uid, title, tags, description=""):
        self.uid, self.title, self.tags, self.description = uid, title, tags, description
        self.panels: list[dict] = []
        self.templating: list[dict] = []
        self.links: list[dict] = []
        self._y = 0
        self._x = 0
        self._next = 1

    def row(self, title):
        if self._x:
            self._y += 8
            self._x = 0
        self.panels.append({"type": "row", "title": title, "id": self._next, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y}, "panels": []})
        self._next += 1
        self._y += 1

    def panel(self, title, exprs, kind="timeseries", unit="short", ds=THANOS, width=8, requires=(),
              legend=None, description="", height=8, options=None):
        if isinstance(exprs, str):
            exprs = [exprs]
        if self._x + width > 24:
            self._y += height
            self._x = 0
        targets = []
        for i, e in enumerate(exprs):
            t = {"refId": chr(65 + i), "datasource": ds, "expr": e}
            if ds is THANOS:
                t["legendFormat"] = (legend[i] if isinstance(legend, list) else legend) or "__auto"
            targets.append(t)
        p = {"id": self._next, "type": kind, "title": title, "datasource": ds,
             "gridPos": {"h": height, "w": width, "x": self._x, "y": self._y},
             "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
             "targets": targets}
        if description:
            p["description"] = description
        if options:
            p["options"] = options
        if requires:
            p["wayfareRequires"] = list(requires)
        self.panels.append(p)
        self._next += 1
        self._x += width

    def json(self) -> dict:
        return {
            "uid": self.uid, "title": self.title, "tags": ["wayfare", *self.tags],
            "description": self.description, "editable": False, "schemaVersion": 39,
            "timezone": "utc", "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": self.templating}, "links": self.links,
            "annotations": {"list": []}, "panels": self.panels,
        }


def service_link():
    return {"title": "Wayfare", "type": "dashboards", "tags": ["wayfare"], "asDropdown": True}


def overview() -> Board:
    b = Board("wayfare-overview", "Wayfare / Platform overview", ["overview"],
              "Every service's traffic, errors, latency and SLO burn; start here.")
    b.links.append(service_link())
    b.row("Traffic and errors")
    b.panel("Requests/s by service", f"sum by (service) (rate(http_requests_total{{{API}}}[5m]))", unit="reqps", legend="{{service}}")
    b.panel("5xx ratio by service (5m)", "service:http_errors:ratio_rate5m", unit="percentunit", legend="{{service}}")
    b.panel("p99 latency by service", f"histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{{{API}}}[5m])))",
            unit="s", legend="{{service}}")
    b.row("SLOs (30-day objectives: 99.9% non-5xx, 99% under 1 s)")
    b.panel("Availability error budget burn rate (1h)", f"service:http_errors:ratio_rate1h / {1 - AVAILABILITY_OBJECTIVE:g}", legend="{{service}}")
    b.panel("Latency error budget burn rate (1h)", f"service:http_slow:ratio_rate1h / {1 - LATENCY_OBJECTIVE:g}", legend="{{service}}")
    b.panel("Targets up", "sum by (service) (up{service!=\"\"})", kind="stat", legend="{{service}}")
    b.row("Mesh and cluster")
    b.panel("Istio: requests/s by destination", 'sum by (destination_service_name) (rate(istio_requests_total{reporter="destination", destination_service_namespace=~"wayfare-.*"}[5m]))',
            unit="reqps", requires=["istio"], legend="{{destination_service_name}}")
    b.panel("Pods not ready", 'sum by (namespace) (kube_pod_status_ready{namespace=~"wayfare-.*", condition="false"})',
            requires=["kube-state-metrics"], legend="{{namespace}}")
    b.panel("Build versions running", "count by (service, version, revision) (wayfare_build_info)", kind="table", legend="{{service}} {{version}}")
    return b


def service_board(svc: str) -> Board:
    pending = svc in PENDING
    req = [f"service:{svc}"] if pending else []
    sel = f'service="{svc}"'
    b = Board(f"wayfare-svc-{svc}", f"Wayfare / Service / {svc}", ["service", svc],
              f"{svc}: rate, errors and latency by route; saturation; dependencies.")
    b.links.append(service_link())
    b.row("Rate, errors, duration by route")
    b.panel("Requests/s by route", f"sum by (route, method) (service_route:http_requests:rate5m{{{sel}}})", unit="reqps",
            legend="{{method}} {{route}}", requires=req)
    b.panel("Errors/s by route and status (0 per route when none)",
            f'sum by (route, status) (service_route:http_requests:rate5m{{{sel}, status=~"5..|4.."}})\n'
            f'  or sum by (route) (service_route:http_requests:rate5m{{{sel}}}) * 0',
            unit="reqps", legend="{{status}} {{route}}", requires=req)
    b.panel("p99 latency by route", f"service_route:http_request_duration_seconds:p99_5m{{{sel}}}", unit="s",
            legend="{{route}}", requires=req)
    b.panel("Availability burn rate (5m, 1h, 6h)",
            [f"service:http_errors:ratio_rate5m{{{sel}}} / {1 - AVAILABILITY_OBJECTIVE:g}",
             f"service:http_errors:ratio_rate1h{{{sel}}} / {1 - AVAILABILITY_OBJECTIVE:g}",
             f"service:http_errors:ratio_rate6h{{{sel}}} / {1 - AVAILABILITY_OBJECTIVE:g}"],
            legend=["5m", "1h", "6h"], requires=req)
    b.panel("Latency burn rate (5m, 1h, 6h)",
            [f"service:http_slow:ratio_rate5m{{{sel}}} / {1 - LATENCY_OBJECTIVE:g}",
             f"service:http_slow:ratio_rate1h{{{sel}}} / {1 - LATENCY_OBJECTIVE:g}",
             f"service:http_slow:ratio_rate6h{{{sel}}} / {1 - LATENCY_OBJECTIVE:g}"],
            legend=["5m", "1h", "6h"], requires=req)
    b.panel("Latency heatmap", f"sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}, {API}}}[5m]))",
            kind="heatmap", legend="{{le}}", requires=req)
    b.row("Saturation (the service's own numbers)")
    b.panel("CPU (cores)", f"rate(process_cpu_seconds_total{{{sel}}}[5m])", legend="{{instance}}", requires=req)
    b.panel("Resident memory", f"process_resident_memory_bytes{{{sel}}}", unit="bytes", legend="{{instance}}", requires=req)
    b.panel("Open files / limit", f"process_open_fds{{{sel}}} / process_max_fds{{{sel}}}", unit="percentunit",
            legend="{{instance}}", requires=req)
    b.panel("Threads", f"process_threads{{{sel}}}", legend="{{instance}}", requires=req)
    if svc != "gateway":
        b.panel("Database pool connections", f"sum by (state) (db_pool_connections{{{sel}}})", legend="{{state}}", requires=req)
        b.panel("Database pool use", f"sum(db_pool_connections{{{sel}, state=\"in_use\"}}) / sum(db_pool_max_connections{{{sel}}})",
                unit="percentunit", requires=req)
    b.row("Dependencies")
    if svc in CACHE_READERS:
        b.panel("Cache hit ratio", f'sum(rate(cache_requests_total{{{sel}, result="hit"}}[5m])) / sum(rate(cache_requests_total{{{sel}}}[5m]))',
                unit="percentunit", requires=req)
    b.panel("Cache backend up", f"cache_backend_up{{{sel}}}", legend="{{backend}}", requires=req)
    b.panel("Redis errors/s", f"sum by (command) (rate(cache_errors_total{{{sel}}}[5m]))", unit="ops", legend="{{command}}",
            requires=["redis-errors"] + req,
            description="Only present once a Redis command has failed.")
    callees = {"gateway": "every service", "order": "catalog, payment", "booking": "flight, payment", "admin": "every service"}
    if svc in callees:
        b.panel(f"Circuit-breaker refusals ({callees[svc]})", f"sum by (upstream) (rate(client_circuit_open_total{{{sel}}}[5m]))",
                unit="ops", legend="{{upstream}}", requires=["circuit-open"] + req,
                description="Only present once a circuit has opened.")
    b.panel("Istio: inbound 5xx ratio (sidecar view)",
            f'sum(rate(istio_requests_total{{reporter="destination", destination_app="{svc}", response_code=~"5.."}}[5m])) / '
            f'sum(rate(istio_requests_total{{reporter="destination", destination_app="{svc}"}}[5m]))',
            unit="percentunit", requires=["istio"] + req)
    return b


def shop() -> Board:
    b = Board("wayfare-shop", "Wayfare / Shop", ["business", "shop"],
              "Checkouts, declines, charges, stock reservations and the reconciler.")
    b.links.append(service_link())
    b.row("Checkout")
    b.panel("Checkouts by outcome (per minute)", 'sum by (status) (rate(orders_total[5m])) * 60', legend="{{status}}")
    b.panel("Failed checkouts by reason (per minute)", 'sum by (reason) (rate(orders_total{status="failed"}[5m])) * 60', legend="{{reason}}")
    b.panel("Decline ratio (15m)", "wayfare:checkout_declines:ratio_rate15m", unit="percentunit", kind="stat")
    b.row("Payments (revenue events)")
    b.panel("Charges by outcome (per minute)", "sum by (status) (rate(payment_charges_total[5m])) * 60", legend="{{status}}",
            description="Succeeded charges are the revenue events; amounts need a payment_charged_minor_total counter (not exported yet).")
    b.panel("Succeeded charges, last hour", 'sum(increase(payment_charges_total{status="succeeded"}[1h]))', kind="stat")
    b.panel("Refunds (per minute)", "sum(rate(payment_refunds_total[5m])) * 60", requires=["refunds"],
            description="Present once the first refund is made.")
    b.panel("Idempotent charge replays (per minute)", "sum(rate(payment_idempotent_replays_total[5m])) * 60",
            requires=["charge-replay"], description="Present once a charge is retried with its key.")
    b.row("Stock and reconciliation")
    b.panel("Stock reservations by result (per minute)", "sum by (result) (rate(catalog_reservations_total[5m])) * 60", legend="{{result}}")
    b.panel("Reservations expired unpaid (per minute)", "sum(rate(catalog_reservations_expired_total[5m])) * 60",
            requires=["reservation-expiry"], description="Present once the sweeper has returned a reservation.")
    b.panel("Reconciler backlog: checkouts unsettled (30m)", "wayfare:orders_unsettled:increase30m", kind="stat")
    b.panel("Orders settled by the reconciler (per minute)", "sum(rate(orders_reconciled_total[5m])) * 60",
            requires=["reconciler-activity"], description="Present once the reconciler has settled an order.")
    b.panel("Background workers: runs by outcome (per minute)", "sum by (worker, outcome) (rate(worker_runs_total[5m])) * 60",
            legend="{{worker}} {{outcome}}")
    b.panel("Background workers: seconds since last success", "time() - max by (worker) (worker_last_success_timestamp_seconds)",
            unit="s", legend="{{worker}}")
    b.panel("Background workers: items handled (per minute)", "sum by (worker) (rate(worker_items_total[5m])) * 60",
            legend="{{worker}}", requires=["worker-items"], description="Present once a worker has settled or returned something.")
    b.panel("Product cache hit ratio", 'sum(rate(catalog_product_cache_total{result="hit"}[5m])) / sum(rate(catalog_product_cache_total[5m]))',
            unit="percentunit")
    b.panel("Signups and logins (per minute)", ["sum(rate(auth_signups_total[5m])) * 60",
                                                "sum by (result) (rate(auth_logins_total[5m])) * 60"], legend=["signups", "logins {{result}}"])
    return b


def flights() -> Board:
    req = ["service:flight", "service:booking"]
    b = Board("wayfare-flights", "Wayfare / Flights", ["business", "flights"],
              "Searches, seat holds, bookings, load factor and expired holds (services flight and booking).")
    b.links.append(service_link())
    b.row("Funnel")
    b.panel("Flight searches/s", "sum(rate(flight_searches_total[5m]))", unit="reqps", requires=req)
    b.panel("Seat holds by result (per minute)", "sum by (result) (rate(flight_seat_holds_total[5m])) * 60", legend="{{result}}", requires=req)
    b.panel("Bookings by status (per minute)", "sum by (status) (rate(bookings_total[5m])) * 60", legend="{{status}}", requires=req)
    b.row("Inventory")
    b.panel("Load factor (seats sold / seats offered)", "sum(flight_seats_sold) / sum(flight_seats_offered)", unit="percentunit", requires=req)
    b.panel("Seat holds expired unpaid (per minute)", "sum(rate(flight_seat_holds_expired_total[5m])) * 60", requires=req)
    b.panel("Hold-to-booking ratio (30m)", 'sum(rate(bookings_total{status="confirmed"}[30m])) / sum(rate(flight_seat_holds_total{result="held"}[30m]))',
            unit="percentunit", requires=req)
    return b


def blue_green() -> Board:
    b = Board("wayfare-blue-green", "Wayfare / Blue vs green", ["deploy", "blue-green"],
              "Both colours of every service side by side, by the pod label `version`: check the idle colour before switching.")
    b.links.append(service_link())
    b.templating.append({"name": "service", "type": "query", "datasource": THANOS, "label": "service",
                         "query": {"query": "label_values(http_requests_total, service)", "refId": "svc"},
                         "refresh": 2, "includeAll": True, "multi": True, "current": {"text": "All", "value": "$__all"}})
    sel = 'service=~"$service"'
    b.row("By colour")
    b.panel("Requests/s by version", f"sum by (service, version) (rate(http_requests_total{{{sel}, {API}}}[5m]))", unit="reqps",
            legend="{{service}} {{version}}")
    b.panel("5xx ratio by version", f"service_version:http_errors:ratio_rate5m{{{sel}}}", unit="percentunit", legend="{{service}} {{version}}")
    b.panel("p99 latency by version", f"histogram_quantile(0.99, sum by (service, version, le) (rate(http_request_duration_seconds_bucket{{{sel}, {API}}}[5m])))",
            unit="s", legend="{{service}} {{version}}")
    b.panel("Build running per colour", f"count by (service, version, revision) (wayfare_build_info{{{sel}}})", kind="table")
    b.panel("Resident memory by version", f"sum by (service, version) (process_resident_memory_bytes{{{sel}}})", unit="bytes",
            legend="{{service}} {{version}}")
    b.panel("Istio: traffic share by subset", f'sum by (destination_app, destination_version) (rate(istio_requests_total{{reporter="destination", destination_app=~"$service"}}[5m]))',
            unit="reqps", requires=["istio"], legend="{{destination_app}} {{destination_version}}")
    return b


# Labels the log agent (Alloy, deploy/argocd/apps/platform/alloy.yaml) puts on every stream.
LOG_LABELS = {"cluster", "namespace", "pod", "container", "app", "version", "level", "job"}


def logs() -> Board:
    b = Board("wayfare-logs", "Wayfare / Logs", ["logs"],
              "Error rate by service from Loki; log lines whose trace_id links to the trace in Jaeger.")
    b.links.append(service_link())
    b.templating.append({"name": "app", "type": "query", "datasource": LOKI, "label": "app",
                         "query": {"label": "app", "stream": '{namespace=~"wayfare-.*"}', "type": 1, "refId": "app"},
                         "refresh": 2, "includeAll": True, "multi": True, "current": {"text": "All", "value": "$__all"}})
    b.templating.append({"name": "search", "type": "textbox", "label": "line contains", "query": ""})
    b.row("Rates")
    b.panel("Error lines/s by service", 'sum by (app) (rate({namespace=~"wayfare-.*", level="ERROR"}[5m]))', ds=LOKI, width=12)
    b.panel("Warnings/s by service", 'sum by (app) (rate({namespace=~"wayfare-.*", level="WARN"}[5m]))', ds=LOKI, width=12)
    b.row("Lines")
    b.panel("Logs (click trace_id to open the trace)", '{namespace=~"wayfare-.*", app=~"$app"} |= "$search" | json',
            kind="logs", ds=LOKI, width=24, height=14,
            options={"showTime": True, "wrapLogMessage": True, "enableLogDetails": True, "sortOrder": "Descending"})
    b.panel("Slow or failed requests (status >= 500)",
            '{namespace=~"wayfare-.*", app=~"$app"} | json | status >= 500', kind="logs", ds=LOKI, width=24, height=10)
    return b


def thanos_loki() -> Board:
    b = Board("wayfare-thanos-loki", "Wayfare / Thanos and Loki health", ["platform"],
              "Long-term metrics (Thanos sidecar, store, compactor) and logs (Loki ingestion, retention).")
    b.links.append(service_link())
    t, l = ["thanos"], ["loki"]
    b.row("Thanos")
    b.panel("Sidecar: blocks uploaded (per hour)", 'sum(increase(thanos_shipper_uploads_total[1h]))', requires=t)
    b.panel("Sidecar: upload failures (per hour)", 'sum(increase(thanos_shipper_upload_failures_total[1h]))', requires=t)
    b.panel("Compactor halted", "max(thanos_compact_halted)", kind="stat", requires=t)
    b.panel("Compactions and failures (per hour)", ["sum(increase(thanos_compact_group_compactions_total[1h]))",
                                                     "sum(increase(thanos_compact_group_compactions_failures_total[1h]))"],
            legend=["compactions", "failures"], requires=t)
    b.panel("Store gateway: bucket operation failures/s", "sum by (operation) (rate(thanos_objstore_bucket_operation_failures_total[5m]))",
            legend="{{operation}}", requires=t)
    b.panel("Query: p99 latency", 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=~".*thanos-query.*", handler="query_range"}[5m])))',
            unit="s", requires=t)
    b.row("Loki")
    b.panel("Lines received/s", "sum(rate(loki_distributor_lines_received_total[5m]))", requires=l)
    b.panel("Push errors ratio", 'sum(rate(loki_request_duration_seconds_count{route="loki_api_v1_push", status_code=~"5.."}[5m])) / sum(rate(loki_request_duration_seconds_count{route="loki_api_v1_push"}[5m]))',
            unit="percentunit", requires=l)
    b.panel("Discarded samples/s by reason", "sum by (reason) (rate(loki_discarded_samples_total[5m]))", legend="{{reason}}", requires=l)
    b.panel("Chunks flushed/s", "sum(rate(loki_ingester_chunks_flushed_total[5m]))", requires=l)
    b.panel("Compactor: retention runs (per hour)", 'sum(increase(loki_compactor_apply_retention_operation_total[1h]))', requires=l)
    b.panel("Prometheus: rule evaluation failures/s", "sum(rate(prometheus_rule_evaluation_failures_total[5m]))")
    return b


def boards() -> list[Board]:
    return [overview(), *(service_board(x) for x in SERVICES), shop(), flights(), blue_green(), logs(), thanos_loki()]


def dashboard_configmap(board: Board) -> dict:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": f"dashboard-{board.uid}", "namespace": "monitoring",
                     "labels": {"grafana_dashboard": "1", "app.kubernetes.io/part-of": "wayfare"},
                     "annotations": {"grafana_folder": "Wayfare"}},
        "data": {f"{board.uid}.json": json.dumps(board.json(), indent=2, sort_keys=True) + "\n"},
    }


# --------------------------------------------------------------------------- secrets and telemetry
ENVS = ["dev", "prod"]
REGION = "eu-west-1"
STORE = "observability-aws"
# Kubernetes Secret -> (namespace, Secrets Manager secret under wayfare/<env>/, {secret key: JSON property}).
# observability: written by Terraform (infra/terraform/modules/observability): bucket names, objstore.yml.
# alerting and grafana: secret containers made by Terraform; their values are set by people
# (deploy/observability/README.md), never in Git.
SECRETS = {
    "alertmanager-notifications": ("monitoring", "alerting", {
        "slack_webhook_url": "slack_webhook_url",
        "smtp_password": "smtp_password",
        "heartbeat_api_key": "heartbeat_api_key",
    }),
    "grafana-admin": ("monitoring", "grafana", {"admin-user": "admin_user", "admin-password": "admin_password"}),
    "thanos-objstore": ("monitoring", "observability", {"objstore.yml": "thanos_objstore_yml"}),
    "loki-bucket": ("logging", "observability", {"LOKI_S3_BUCKET": "loki_bucket"}),
    "tempo-bucket": ("observability", "observability", {"TEMPO_S3_BUCKET": "tempo_bucket"}),
}
# Istio samples this share of requests at the edge; the services follow the caller's decision and
# sample their own root spans at the same rate (OTEL_TRACES_SAMPLER_ARG in the chart's values).
TRACE_SAMPLING_PERCENT = 10.0
TRACING_PROVIDER = "tempo"  # an extensionProviders entry of istiod's meshConfig


def secret_store() -> dict:
    return {
        "apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
        "metadata": {"name": STORE},
        "spec": {
            # No auth block: the External Secrets controller's own IRSA role (wayfare-<env>-external-secrets),
            # which may read wayfare/<env>/* only.
            "provider": {"aws": {"service": "SecretsManager", "region": REGION}},
            "conditions": [{"namespaces": ["monitoring", "logging", "observability"]}],
        },
    }


def external_secrets(env: str) -> list[dict]:
    out = []
    for name, (ns, key, props) in SECRETS.items():
        out.append({
            "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": STORE},
                "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                "data": [{"secretKey": k, "remoteRef": {"key": f"wayfare/{env}/{key}", "property": prop}}
                         for k, prop in props.items()],
            },
        })
    return out


def telemetry() -> dict:
    return {
        "apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry",
        "metadata": {"name": "mesh-default", "namespace": "istio-system"},
        "spec": {"tracing": [{"providers": [{"name": TRACING_PROVIDER}],
                              "randomSamplingPercentage": TRACE_SAMPLING_PERCENT}]},
    }


# ------------------------------------------------------------------------------------------ output
def yaml_dump(obj) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow=False, indentless=False):  # indented lists, as yamllint wants
            return super().increase_indent(flow, False)

    def str_rep(dumper, data):
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, str_rep)
    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, width=1000, allow_unicode=True)


HEADER = ("# Generated by deploy/observability/generate.py; edit that file and run it, not this one.\n"
          "# yamllint disable rule:line-length\n")


def outputs() -> dict[Path, str]:
    out = {}
    for name, obj in rule_objects().items():
        out[MANIFESTS / f"{name}.yaml"] = HEADER + yaml_dump(obj)
    docs = [dashboard_configmap(b) for b in boards()]
    out[MANIFESTS / "dashboards.yaml"] = HEADER + "---\n".join(yaml_dump(d) for d in docs)
    out[MANIFESTS / "telemetry.yaml"] = HEADER + yaml_dump(telemetry())
    for env in ENVS:
        docs = [secret_store(), *external_secrets(env)]
        out[SECRETS_DIR / env / "externalsecrets.yaml"] = HEADER + "---\n".join(yaml_dump(d) for d in docs)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--tests", metavar="DIR")
    args = ap.parse_args()
    missing = [a.name for a in all_alerts() if not (RUNBOOKS / f"{a.name}.md").is_file()]
    if missing:
        print("alerts without a runbook in deploy/observability/runbooks/: " + ", ".join(sorted(set(missing))))
        return 1
    if args.tests:
        d = Path(args.tests)
        d.mkdir(parents=True, exist_ok=True)
        files = []  # recording rules first: promtool evaluates files in this order at each step
        for name, obj in rule_objects().items():
            p = d / f"{name}.rules.yml"
            p.write_text(yaml_dump({"groups": obj["spec"]["groups"]}))
            files.append(p.name)
        (d / "tests-fast.yml").write_text(yaml_dump(promtool_tests(files, slow=False)))
        (d / "tests-slow.yml").write_text(yaml_dump(promtool_tests(files, slow=True)))
        return 0
    stale = []
    for path, text in outputs().items():
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.relative_to(HERE).as_posix())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("stale generated files (run deploy/observability/generate.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
