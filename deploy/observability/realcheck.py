#!/usr/bin/env python3
"""Against the real thing: run Wayfare, load it, scrape it with a real Prometheus that loads the
same rule files as the cluster, and check through Prometheus' HTTP API that

  1. every Prometheus query of every dashboard returns data (panels that need something CI does
     not run are skipped by name, with the reason; none is skipped silently),
  2. every recording rule returns data,
  3. the alerts this run provokes fire: payment is stopped half-way, so WayfareTargetDown for
     payment and the gateway's fast availability burn (its calls to payment answer 503) must fire,
     and PaymentsStuckProcessing (provider timeouts leave charges for the settler),
  4. every service's /metrics passes `promtool check metrics` (HELP text, naming).

The platform runs as one process per service (as in the cluster: each target has its own
`service` label and its own process metrics), with SQLite in a temporary directory (and, with --with-redis, a
throw-away Redis stopped with payment), on loopback only. Load is bounded by count and time. Usage:

    realcheck.py --binary target/debug/wayfare --rules DIR --dashboards manifests/dashboards.yaml
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import yaml

SERVICES = ["auth", "catalog", "payment", "order", "gateway"]
# Panels needing one of these are skipped, and the reason printed.
SKIP_REASONS = {
    "istio": "needs Istio sidecar metrics (cluster only)",
    "kube-state-metrics": "needs kube-state-metrics (cluster only)",
    "thanos": "needs Thanos components (cluster only)",
    "loki": "needs Loki (cluster only)",
}
# Panels on events this run tries to cause: checked, but a missing series is a warning.
EVENT_REASONS = {
    "circuit-open": "an open circuit breaker",
    "redis-errors": "a failing Redis (this run stops its Redis with payment, when redis-server is installed)",
    "refunds": "a refund",
    "charge-replay": "a charge retried with its idempotency key",
    "reservation-expiry": "a stock reservation expiring",
    "reconciler-activity": "the reconciler settling an order",
    "worker-items": "a background worker handling an item",
}
EXPECTED_ALERTS = [
    ("WayfareTargetDown", {"service": "payment"}),
    ("SLOAvailabilityFastBurn", {"service": "gateway"}),
    # pm_card_timeout leaves charges processing until payment's settler resolves them.
    ("PaymentsStuckProcessing", {}),
]


def log(msg: str) -> None:
    print(f"[realcheck] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None, token=None, headers=None, timeout=15):
    data = None
    h = {"accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    if token:
        h["authorization"] = f"Bearer {token}"
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw and raw[:1] in b"{[" else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw
    except (urllib.error.URLError, TimeoutError, ConnectionError, socket.timeout) as e:
        return 0, str(e)


class Platform:
    def __init__(self, binary: str, work: Path):
        self.binary, self.work = binary, work
        self.ports = {s: (free_port(), free_port()) for s in SERVICES}  # (public, ops)
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WAYFARE_")},
            "WAYFARE_SERVICE_KEY": secrets.token_hex(32),
            "WAYFARE_LOG_FORMAT": "json",
            "WAYFARE_LOG": "warn",
            "WAYFARE_DRAIN_DELAY_SECONDS": "0",
            "WAYFARE_SHUTDOWN_GRACE_SECONDS": "2",
            # Short enough that this run sees provider timeouts settled by the reconciler.
            "WAYFARE_PROVIDER_TIMEOUT_MS": "1000",
            "WAYFARE_PAYMENT_TIMEOUT_MS": "3000",
            "WAYFARE_RECONCILE_INTERVAL_MS": "2000",
            "WAYFARE_RECONCILE_AFTER_MS": "3000",
            "WAYFARE_RESERVATION_TTL_SECONDS": "5",
            "OTEL_SDK_DISABLED": "true",
        }
        for s in SERVICES:
            if s != "gateway":
                self.env[f"WAYFARE_{s.upper()}_URL"] = f"http://127.0.0.1:{self.ports[s][0]}"
        self.env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)

    def start(self, name: str) -> None:
        public, ops = self.ports[name]
        env = {**self.env, "WAYFARE_OPS_LISTEN": f"127.0.0.1:{ops}"}
        out = open(self.work / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            [self.binary, "serve", "--target", name, "--listen", f"127.0.0.1:{public}",
             "--data-dir", str(self.work / "data" / name)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self, name: str) -> None:
        p = self.procs.get(name)
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def metrics_url(self, name: str) -> str:
        """The ops listener when this binary has it, the public port otherwise (older builds)."""
        public, ops = self.ports[name]
        status, _ = http("GET", f"http://127.0.0.1:{ops}/metrics")
        return f"127.0.0.1:{ops}" if status == 200 else f"127.0.0.1:{public}"

    def wait_ready(self, name: str, deadline: float) -> None:
        public, ops = self.ports[name]
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                raise SystemExit(f"{name} exited with {self.procs[name].returncode}; see {self.work}/{name}.log")
            for port in (ops, public):
                status, _ = http("GET", f"http://127.0.0.1:{port}/readyz", timeout=2)
                if status == 200:
                    return
            time.sleep(0.3)
        raise SystemExit(f"{name} did not become ready; see {self.work}/{name}.log")


class Redis:
    """A throw-away redis-server on a free loopback port (no persistence), when one is installed."""

    def __init__(self, work: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = None
        self.work = work

    def start(self) -> bool:
        import shutil
        if not shutil.which("redis-server"):
            return False
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.work)],
            stdout=open(self.work / "redis.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Prometheus:
    def __init__(self, work: Path, targets: dict[str, str], rule_files: list[Path]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = {
            "global": {"scrape_interval": "2s", "evaluation_interval": "2s", "scrape_timeout": "2s"},
            "rule_files": [str(f) for f in rule_files],
            "scrape_configs": [{
                # As the chart's ServiceMonitors: the app's own `service` label wins (honor_labels),
                # the target gets `service` and `version` (the pod's colour label).
                "job_name": "wayfare", "honor_labels": True, "metrics_path": "/metrics",
                "static_configs": [{"targets": [addr], "labels": {"service": s, "version": "blue"}}
                                   for s, addr in targets.items()],
            }, {
                # Prometheus itself, as kube-prometheus-stack scrapes it (rule evaluation panels).
                "job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{self.port}"]}],
            }],
        }
        self.config = work / "prometheus.yml"
        self.config.write_text(yaml.safe_dump(cfg))
        self.work = work

    def start(self) -> None:
        out = open(self.work / "prometheus.log", "ab")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={self.config}", f"--storage.tsdb.path={self.work / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h",
             "--web.enable-lifecycle"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if http("GET", f"{self.url}/-/ready", timeout=2)[0] == 200:
                return
            time.sleep(0.3)
        raise SystemExit(f"prometheus did not start; see {self.work}/prometheus.log")

    def stop(self) -> None:
        if getattr(self, "proc", None) and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def query(self, expr: str, at: float | None = None) -> list:
        params = {"query": expr}
        if at:
            params["time"] = f"{at:.3f}"
        status, body = http("GET", f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}")
        if status != 200 or body.get("status") != "success":
            raise RuntimeError(f"query failed ({status}): {expr}: {body}")
        return body["data"]["result"]

    def alerts(self) -> list:
        status, body = http("GET", f"{self.url}/api/v1/alerts")
        return body["data"]["alerts"] if status == 200 else []


class Load:
    """A bounded shopper: browse, search, cart, checkout (approved, declined, timing out), cancel."""

    def __init__(self, base: str, max_requests: int):
        self.base, self.budget, self.users = base, max_requests, []
        self.counts: dict[str, int] = {}

    def call(self, method, path, **kw):
        if self.budget <= 0:
            raise StopIteration
        self.budget -= 1
        status, body = http(method, self.base + path, **kw)
        key = f"{method} {re.sub(r'/[0-9a-f-]{20,}', '/{id}', path.split('?')[0])} {status}"
        self.counts[key] = self.counts.get(key, 0) + 1
        return status, body

    def setup(self, n_users=3):
        for i in range(n_users):
            email = f"obs-{uuid.uuid4().hex[:10]}@example.com"
            pw = "correct horse battery staple"
            self.call("POST", "/api/auth/signup", body={"email": email, "password": pw, "name": f"Observer {i}"})
            status, tok = self.call("POST", "/api/auth/login", body={"email": email, "password": pw})
            if status != 200:
                raise SystemExit(f"login failed: {status} {tok}")
            self.users.append(tok)
        status, page = self.call("GET", "/api/catalog/products?limit=50")
        self.products = [p["id"] for p in page["items"]] if status == 200 else []
        words = [w for p in page.get("items", []) for w in re.findall(r"[A-Za-z]{4,}", p.get("name", ""))]
        self.search = words[0].lower() if words else "shirt"
        if not self.products:
            raise SystemExit(f"no products to buy: {status} {page}")
        # One refresh rotation and one login failure, so auth's counters have both results.
        self.call("POST", "/api/auth/refresh", body={"refresh_token": self.users[0]["refresh_token"]})
        self.call("POST", "/api/auth/login", body={"email": "nobody@example.com", "password": "wrong password!"})

    def round(self, i: int, payment_up: bool = True):
        tok = self.users[i % len(self.users)]["access_token"]
        product = self.products[i % len(self.products)]
        self.call("GET", "/api/catalog/products?limit=5&sort=price_asc")
        self.call("GET", f"/api/catalog/products?q={self.search}&limit=5")
        self.call("GET", f"/api/catalog/products/{product}")
        self.call("GET", "/api/catalog/categories")
        self.call("GET", "/api/auth/me", token=tok)
        # Checkouts: mostly approved, some declined, an occasional provider timeout.
        method = ["pm_card_ok", "pm_card_declined", "pm_card_ok", "pm_card_insufficient_funds",
                  "pm_card_ok", "pm_card_timeout"][i % 6]
        self.call("PUT", f"/api/cart/items/{product}", body={"quantity": 1}, token=tok)
        self.call("GET", "/api/cart", token=tok)
        key = str(uuid.uuid4())
        body = {"payment_method": method}
        status, order = self.call("POST", "/api/orders", body=body, token=tok, headers={"idempotency-key": key})
        if i % 5 == 0:  # the same key again: the first answer is replayed
            self.call("POST", "/api/orders", body=body, token=tok, headers={"idempotency-key": key})
        if isinstance(order, dict) and order.get("id"):
            self.call("GET", f"/api/orders/{order['id']}", token=tok)
            if order.get("payment_id"):
                self.call("GET", f"/api/payments/{order['payment_id']}", token=tok)
            if status == 201 and i % 4 == 0:
                self.call("POST", f"/api/orders/{order['id']}/cancel", token=tok)
        # An unknown payment: 404 while payment is up, 503 from the gateway once it is down.
        self.call("GET", f"/api/payments/{uuid.uuid4()}", token=tok)
        if not payment_up:
            self.call("GET", f"/api/payments/{uuid.uuid4()}", token=tok)
        self.call("GET", "/api/orders?limit=5", token=tok)


def dashboards(path: Path):
    for doc in yaml.safe_load_all(path.read_text()):
        for body in doc["data"].values():
            board = json.loads(body)
            yield board


def prom_targets(board):
    for p in board["panels"]:
        for t in p.get("targets", []):
            if t.get("datasource", {}).get("type") == "prometheus":
                yield p, t["expr"]


def substitute(expr: str) -> str:
    return expr.replace("$service", ".+").replace("$__rate_interval", "1m")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rules", required=True, type=Path, help="directory of *.rules.yml (generate.py --tests)")
    ap.add_argument("--dashboards", required=True, type=Path)
    ap.add_argument("--normal-seconds", type=float, default=40)
    ap.add_argument("--outage-seconds", type=float, default=120, help="longest wait for the alerts")
    ap.add_argument("--max-requests", type=int, default=6000)
    ap.add_argument("--with-redis", action="store_true",
                    help="run a throw-away redis-server for the cache and stop it with payment (about a minute longer)")
    args = ap.parse_args()

    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="wayfare-realcheck-"))
    rule_files = sorted(args.rules.glob("*.rules.yml"))
    platform = Platform(os.path.abspath(args.binary), work)
    prom = None
    redis = Redis(work)
    failures: list[str] = []
    try:
        if args.with_redis and redis.start():
            platform.env["WAYFARE_REDIS_URL"] = redis.url
            log(f"redis at {redis.url} (stopped with payment)")
        else:
            SKIP_REASONS["redis-errors"] = "this run uses the in-process cache, not Redis (--with-redis runs one)"
            EVENT_REASONS.pop("redis-errors", None)
            log("the services use their in-process cache (--with-redis: a real Redis, stopped with payment)")
        for name in SERVICES:  # dependency order: auth first, gateway last
            platform.start(name)
            platform.wait_ready(name, time.time() + 60)
        targets = {s: platform.metrics_url(s) for s in SERVICES}
        log("platform up: " + ", ".join(f"{s} metrics at {a}" for s, a in targets.items()))

        # 4. promtool check metrics on every service's exposition
        for s, addr in targets.items():
            status, text = http("GET", f"http://{addr}/metrics")
            r = subprocess.run(["promtool", "check", "metrics"], input=text if isinstance(text, bytes) else str(text).encode(),
                               capture_output=True)
            problems = (r.stdout + r.stderr).decode().strip()
            if r.returncode != 0 or problems:
                failures.append(f"promtool check metrics on {s}: {problems}")
        log("promtool check metrics: " + ("ok for every service" if not failures else "FAILED"))

        prom = Prometheus(work, targets, rule_files)
        prom.start()
        log(f"prometheus at {prom.url} with {len(rule_files)} rule files")

        gateway = f"http://127.0.0.1:{platform.ports['gateway'][0]}"
        load = Load(gateway, args.max_requests)
        load.setup()
        i = 0
        t_end = time.time() + args.normal_seconds
        try:
            while time.time() < t_end:
                load.round(i)
                i += 1
                time.sleep(0.05)
        except StopIteration:
            log("request budget spent in the normal phase")
        time.sleep(4)  # two scrapes and evaluations after the last normal request
        t_normal = time.time()
        log(f"normal phase: {i} rounds; stopping payment" + (" and redis" if redis.proc else ""))
        platform.stop("payment")
        redis.stop()

        fired: dict = {}
        t_end = time.time() + args.outage_seconds
        try:
            while time.time() < t_end:
                load.round(i, payment_up=False)
                i += 1
                firing = [a for a in prom.alerts() if a["state"] == "firing"]
                fired = {(a["labels"]["alertname"], a["labels"].get("service", "")) for a in firing}
                if all((n, l.get("service", "")) in fired for n, l in EXPECTED_ALERTS):
                    break
                time.sleep(0.2)
        except StopIteration:
            log("request budget spent in the outage phase")
        time.sleep(3)
        log(f"outage phase done after {i} rounds; requests by route and status:")
        for k, v in sorted(load.counts.items()):
            print(f"    {v:5d}  {k}")

        # 3. alerts
        firing = [a for a in prom.alerts() if a["state"] == "firing"]
        fired = {(a["labels"]["alertname"], a["labels"].get("service", "")) for a in firing}
        log("firing: " + (", ".join(sorted(f"{n}{{service={s}}}" if s else n for n, s in fired)) or "none"))
        for name, labels in EXPECTED_ALERTS:
            if (name, labels.get("service", "")) not in fired:
                failures.append(f"alert {name}{labels} did not fire")
            else:
                log(f"ok: {name}{labels} fired")

        # 2. recording rules
        for f in rule_files:
            for g in yaml.safe_load(f.read_text())["groups"]:
                for r in g["rules"]:
                    if "record" in r:
                        got = prom.query(r["record"]) or prom.query(r["record"], at=t_normal)
                        if got:
                            log(f"ok: recording rule {r['record']} ({len(got)} series)")
                        else:
                            failures.append(f"recording rule {r['record']} returned no data")

        # 1. dashboards
        checked = skipped = 0
        for board in dashboards(args.dashboards):
            for panel, expr in prom_targets(board):
                where = f"{board['uid']} / {panel['title']}"
                reqs = panel.get("wayfareRequires", [])
                pending = [r.split(":", 1)[1] for r in reqs if r.startswith("service:")]
                if pending:
                    log(f"SKIP {where}: service {', '.join(pending)} is not built yet")
                    skipped += 1
                    continue
                cluster = [r for r in reqs if r in SKIP_REASONS]
                if cluster:
                    log(f"SKIP {where}: {SKIP_REASONS[cluster[0]]}")
                    skipped += 1
                    continue
                q = substitute(expr)
                got = prom.query(q) or prom.query(q, at=t_normal)
                checked += 1
                events = [r for r in reqs if r in EVENT_REASONS]
                if got:
                    log(f"ok: {where}: {q.splitlines()[0][:90]} ({len(got)} series)")
                elif events:
                    log(f"WARN {where}: no data; it needs {EVENT_REASONS[events[0]]}, which this run did not cause")
                else:
                    failures.append(f"dashboard panel {where}: no data for {q}")
        log(f"dashboards: {checked} queries checked, {skipped} skipped (reasons above)")
    finally:
        if prom:
            prom.stop()
        platform.stop_all()
        redis.stop()
    for f in failures:
        print(f"FAILED: {f}")
    log(f"took {time.time() - started:.0f}s; work dir {work}")
    if not failures:
        subprocess.run(["rm", "-rf", str(work)])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
