#!/usr/bin/env python3
"""The drills' measuring tools (stdlib only):

  drilltool.py probe --out FILE --seconds S [--interval 0.2] [--timeout 15] [--header 'N: V']
                     NAME=URL ...
      Requests every URL each interval (each request in its own thread, so a hanging one does
      not hide the next) and writes `t,name,status,ms` lines (t: Unix time at the start;
      status 0: no answer within --timeout). Stops after S seconds.
  drilltool.py probe-stats --csv FILE [--from T] [--to T] [--prefix P] [--ended-by T]
      JSON over the probe lines started in [from, to) (and answered by --ended-by) whose name
      starts with P: count, by status, p50/p99/max ms, slow (> --slow-ms, default 1000).
  drilltool.py window --summary DIR/summary.json --from S --to S
      JSON over the load's seconds [from, to] (seconds since the load started): requests,
      errors, p50 (request-weighted median of the per-second medians) and p99 (the highest
      per-second p99: an upper bound).
  drilltool.py load-errors --summary DIR/summary.json [--methods GET,PUT,DELETE] [--5xx]
      JSON: requests and errors (or 5xx answers with --5xx) of the endpoints with those methods.
  drilltool.py first --csv FILE --after T --prefix P --status 200 [--all]
      The first time after T a probe line (of names with prefix P) has that status; with
      --all, per name, and the latest of them (null unless every name got there). JSON.
"""

import argparse
import concurrent.futures
import csv
import json
import sys
import threading
import time
import urllib.error
import urllib.request


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    index = min(len(values) - 1, max(0, int(round(q * len(values) + 0.5)) - 1))
    return values[index]


def probe(args):
    targets = []
    for spec in args.targets:
        name, url = spec.split("=", 1)
        targets.append((name, url))
    headers = dict(h.split(": ", 1) for h in args.header)
    lock = threading.Lock()
    out = open(args.out, "a", buffering=1)

    def one(name, url):
        started = time.time()
        status = 0
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=args.timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as err:
            status = err.code
        except Exception:
            status = 0
        ms = (time.time() - started) * 1000
        with lock:
            out.write(f"{started:.3f},{name},{status},{ms:.1f}\n")

    deadline = time.time() + args.seconds
    with concurrent.futures.ThreadPoolExecutor(max_workers=256) as pool:
        while time.time() < deadline:
            tick = time.time()
            for name, url in targets:
                pool.submit(one, name, url)
            time.sleep(max(0.0, args.interval - (time.time() - tick)))
    out.close()


def read_probe(path, start, end, prefix):
    rows = []
    with open(path) as f:
        for line in csv.reader(f):
            if len(line) != 4:
                continue
            t, name, status, ms = float(line[0]), line[1], int(line[2]), float(line[3])
            if t < start or t >= end or not name.startswith(prefix):
                continue
            rows.append((t, name, status, ms))
    return sorted(rows)


def probe_stats(args):
    rows = read_probe(args.csv, args.start, args.end, args.prefix)
    if args.ended_by is not None:
        rows = [r for r in rows if r[0] + r[3] / 1000 <= args.ended_by]
    by_status = {}
    for _, _, status, _ in rows:
        by_status[str(status)] = by_status.get(str(status), 0) + 1
    ms = [r[3] for r in rows]
    print(json.dumps({
        "count": len(rows),
        "by_status": by_status,
        "p50_ms": round(percentile(ms, 0.5), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "max_ms": round(max(ms), 1) if ms else 0.0,
        "slow": sum(1 for m in ms if m > args.slow_ms),
        "unanswered": by_status.get("0", 0),
    }))


def first(args):
    rows = read_probe(args.csv, args.after, float("inf"), args.prefix)
    names = sorted({r[1] for r in rows}) if args.all else [args.prefix]
    result = {}
    for name in names:
        mine = [r for r in rows if (r[1] == name if args.all else True)]
        result[name] = next((t for t, _, status, _ in mine if status == args.status), None)
    known = [v for v in result.values() if v is not None]
    latest = max(known) if known and len(known) == len(result) else None
    print(json.dumps({"per_name": result, "latest": latest}))


def window(args):
    summary = json.load(open(args.summary))
    seconds = [s for s in summary["per_second"] if args.start <= s["second"] <= args.end]
    requests = sum(s["requests"] for s in seconds)
    errors = sum(s["errors"] for s in seconds)
    medians = []
    for s in seconds:
        medians.extend([s["p50_ms"]] * s["requests"])
    p99 = max((s["p99_ms"] for s in seconds if s["requests"]), default=0.0)
    print(json.dumps({
        "requests": requests,
        "errors": errors,
        "p50_ms": round(percentile(medians, 0.5), 1),
        "p99_ms": round(p99, 1),
    }))


def load_errors(args):
    summary = json.load(open(args.summary))
    methods = tuple(m + " " for m in args.methods.split(","))
    requests = failed = 0
    endpoints = {}
    for e in summary["endpoints"]:
        if not e["endpoint"].startswith(methods):
            continue
        requests += e["count"]
        if args.five_xx:
            bad = sum(n for status, n in e["by_status"].items() if int(status) >= 500 or int(status) == 0)
        else:
            bad = e["errors"]
        failed += bad
        if bad:
            endpoints[e["endpoint"]] = bad
    print(json.dumps({"requests": requests, "failed": failed, "endpoints": endpoints}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--timeout", type=float, default=15)
    p.add_argument("--header", action="append", default=[])
    p.add_argument("targets", nargs="+")
    p = sub.add_parser("probe-stats")
    p.add_argument("--csv", required=True)
    p.add_argument("--from", dest="start", type=float, default=0)
    p.add_argument("--to", dest="end", type=float, default=float("inf"))
    p.add_argument("--prefix", default="")
    p.add_argument("--slow-ms", type=float, default=1000)
    p.add_argument("--ended-by", type=float, default=None)
    p = sub.add_parser("first")
    p.add_argument("--csv", required=True)
    p.add_argument("--after", type=float, required=True)
    p.add_argument("--prefix", default="")
    p.add_argument("--status", type=int, default=200)
    p.add_argument("--all", action="store_true")
    p = sub.add_parser("window")
    p.add_argument("--summary", required=True)
    p.add_argument("--from", dest="start", type=float, required=True)
    p.add_argument("--to", dest="end", type=float, required=True)
    p = sub.add_parser("load-errors")
    p.add_argument("--summary", required=True)
    p.add_argument("--methods", default="GET,PUT,DELETE,HEAD")
    p.add_argument("--5xx", dest="five_xx", action="store_true")
    args = parser.parse_args()
    {
        "probe": probe,
        "probe-stats": probe_stats,
        "first": first,
        "window": window,
        "load-errors": load_errors,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
