#!/usr/bin/env python3
"""The Wayfare chart's PrometheusRule (templates/monitoring.yaml, the mesh's view per namespace) as a
promtool rule file, with a firing and a quiet case for each of its alerts.

Usage: chart_rules.py RENDERED_VALUE_SET.yaml OUT_DIR   (writes chart.rules.yml, tests-chart.yml)
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import render, yaml_dump  # noqa: E402


def cases(ns: str) -> dict:
    def req(code, per_min):
        return {"series": f'istio_requests_total{{reporter="destination", destination_service_namespace="{ns}", '
                          f'destination_service_name="order", response_code="{code}"}}',
                "values": f"0+{per_min}x30"}

    def dur(le, per_min):
        return {"series": f'istio_request_duration_milliseconds_bucket{{reporter="destination", destination_service_namespace="{ns}", '
                          f'destination_service_name="order", le="{le}"}}',
                "values": f"0+{per_min}x30"}

    return {
        "WayfareMeshHighErrorRate": ([req("200", 600), req("503", 600)], [req("200", 600), req("503", 1)]),
        "WayfareMeshHighLatency": ([dur("100", 100), dur("5000", 1000), dur("+Inf", 1000)],
                                   [dur("100", 1000), dur("5000", 1000), dur("+Inf", 1000)]),
    }


def main() -> int:
    rendered, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rules = [d for d in yaml.safe_load_all(rendered.read_text()) if d and d.get("kind") == "PrometheusRule"]
    if len(rules) != 1:
        print(f"expected one PrometheusRule in {rendered}, found {len(rules)}")
        return 1
    rule = rules[0]
    ns = rule["metadata"]["namespace"]
    (out / "chart.rules.yml").write_text(yaml_dump({"groups": rule["spec"]["groups"]}))
    table = cases(ns)
    tests = []
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            if "alert" not in r:
                continue
            if r["alert"] not in table:
                print(f"chart alert {r['alert']} has no promtool cases in deploy/observability/chart_rules.py")
                return 1
            fire, quiet = table[r["alert"]]
            labels = {"severity": r["labels"]["severity"], "destination_service_name": "order"}
            ann = {k: render(v, labels) for k, v in r["annotations"].items()}
            for kind, series, exp in (("fires", fire, [{"exp_labels": labels, "exp_annotations": ann}]), ("quiet", quiet, [])):
                tests.append({"name": f"{r['alert']} {kind}", "interval": "1m", "input_series": series,
                              "alert_rule_test": [{"alertname": r["alert"], "eval_time": "25m", "exp_alerts": exp}]})
    (out / "tests-chart.yml").write_text(yaml_dump({"rule_files": ["chart.rules.yml"], "evaluation_interval": "1m",
                                                    "tests": tests}))
    print(f"chart rules: {len(tests) // 2} alerts from {rendered.name} (namespace {ns})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
