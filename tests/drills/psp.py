#!/usr/bin/env python3
"""A payment service provider (PSP) simulator for the drills: the Stripe-like API payment's
HTTP provider speaks (services/payment/src/domain/http_provider.rs), with the same test
payment methods as the built-in simulated provider, and a control endpoint to make it slow.

  psp.py --listen 127.0.0.1:PORT [--max-seconds 1800]

API:
  POST /v1/charges   Idempotency-Key + {"amount","currency","payment_method"}
                     -> 200 {"id","key","status","code","amount","currency"}
                     status: succeeded (pm_card_ok, pm_card_visa), declined (pm_card_declined:
                     card_declined, pm_card_insufficient_funds: insufficient_funds), failed
                     (pm_card_provider_error); pm_card_timeout never answers (the connection is
                     held for 60 s, nothing recorded). The same key gets the same answer; the
                     same key with another amount/currency/method is a 409.
  GET  /v1/charges/{key}   the charge with that key (the settler's lookup); 404 unknown
  GET  /v1/charges         every charge: {"items": [...]} (for the drill's checks)
  POST /v1/refunds   Idempotency-Key + {"charge","amount"} -> 200 {"id","charge","amount"};
                     a charge is refunded at most once (another key for it: 409)
  POST /control/slow {"delay_ms": 5000, "seconds": 10}: every answer to /v1/charges* comes
                     delay_ms late for the next `seconds` (the outcome is decided and
                     recorded on arrival, like a PSP that processed it but answers slowly)
  GET  /control/stats      requests, charges, slow answers, slow window left
  GET  /healthz

Stdlib only (asyncio), HTTP/1.1 with keep-alive; loopback only; exits after --max-seconds.
"""

import argparse
import asyncio
import json
import sys
import time
import urllib.parse
import uuid

OUTCOMES = {
    "pm_card_ok": ("succeeded", None),
    "pm_card_visa": ("succeeded", None),
    "pm_card_declined": ("declined", "card_declined"),
    "pm_card_insufficient_funds": ("declined", "insufficient_funds"),
    "pm_card_provider_error": ("failed", "processing_error"),
}


class Psp:
    def __init__(self):
        self.charges = {}  # key -> charge
        self.refunds = {}  # key -> refund
        self.refunded = {}  # charge id -> refund key
        self.slow_until = 0.0
        self.delay = 0.0
        self.stats = {"requests": 0, "charge_requests": 0, "slow_answers": 0, "conflicts": 0}

    async def maybe_slow(self):
        if time.monotonic() < self.slow_until:
            self.stats["slow_answers"] += 1
            await asyncio.sleep(self.delay)

    async def charge(self, headers, body):
        self.stats["charge_requests"] += 1
        key = headers.get("idempotency-key")
        if not key:
            return 400, {"error": "Idempotency-Key required"}
        try:
            amount = int(body["amount"])
            currency = str(body["currency"])
            method = str(body["payment_method"])
        except (KeyError, TypeError, ValueError):
            return 400, {"error": "amount, currency and payment_method required"}
        found = self.charges.get(key)
        if found is None and method == "pm_card_timeout":
            await asyncio.sleep(60)
            return None, None  # no answer: the connection is dropped
        if found is None:
            status, code = OUTCOMES.get(method, ("declined", "card_declined"))
            found = {
                "id": f"psp_ch_{uuid.uuid4().hex}" if status == "succeeded" else None,
                "key": key,
                "status": status,
                "code": code,
                "amount": amount,
                "currency": currency,
                "payment_method": method,
                "created": time.time(),
            }
            self.charges[key] = found
        elif (found["amount"], found["currency"], found["payment_method"]) != (amount, currency, method):
            self.stats["conflicts"] += 1
            return 409, {"error": "idempotency key reused with another charge"}
        await self.maybe_slow()
        return 200, found

    async def lookup(self, key):
        found = self.charges.get(key)
        await self.maybe_slow()
        return (200, found) if found else (404, {"error": "no such charge"})

    def refund(self, headers, body):
        key = headers.get("idempotency-key")
        charge_id = body.get("charge") if isinstance(body, dict) else None
        if not key or not charge_id:
            return 400, {"error": "Idempotency-Key and charge required"}
        if key in self.refunds:
            return 200, self.refunds[key]
        if not any(c["id"] == charge_id and c["status"] == "succeeded" for c in self.charges.values()):
            return 404, {"error": "no such succeeded charge"}
        if charge_id in self.refunded:
            return 409, {"error": "charge already refunded"}
        refund = {"id": f"psp_re_{uuid.uuid4().hex}", "charge": charge_id, "amount": body.get("amount")}
        self.refunds[key] = refund
        self.refunded[charge_id] = key
        return 200, refund

    async def route(self, method, path, headers, body):
        self.stats["requests"] += 1
        path, _, _ = path.partition("?")
        if method == "POST" and path == "/v1/charges":
            return await self.charge(headers, body)
        if method == "GET" and path == "/v1/charges":
            return 200, {"items": list(self.charges.values())}
        if method == "GET" and path.startswith("/v1/charges/"):
            return await self.lookup(urllib.parse.unquote(path[len("/v1/charges/"):]))
        if method == "POST" and path == "/v1/refunds":
            return self.refund(headers, body)
        if method == "POST" and path == "/control/slow":
            self.delay = float(body.get("delay_ms", 5000)) / 1000
            self.slow_until = time.monotonic() + float(body.get("seconds", 10))
            return 200, {"slow_for_s": body.get("seconds", 10), "delay_ms": body.get("delay_ms", 5000)}
        if method == "GET" and path == "/control/stats":
            left = max(0.0, self.slow_until - time.monotonic())
            return 200, dict(self.stats, charges=len(self.charges), slow_left_s=round(left, 2))
        if path == "/healthz":
            return 200, {"status": "ok"}
        return 404, {"error": "not found"}


async def serve_connection(psp, reader, writer):
    try:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=75)
            except (asyncio.IncompleteReadError, asyncio.TimeoutError, asyncio.LimitOverrunError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            raw = await reader.readexactly(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {}
            status, answer = await psp.route(method, path, headers, body)
            if status is None:
                return  # drop the connection without an answer
            data = json.dumps(answer).encode()
            writer.write(
                b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                % (status, len(data), data)
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, OSError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800)
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("loopback addresses only")
    psp = Psp()
    await asyncio.start_server(lambda r, w: serve_connection(psp, r, w), host, int(port), reuse_address=True)
    print(f"psp on {args.listen}", flush=True)
    await asyncio.sleep(args.max_seconds)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
