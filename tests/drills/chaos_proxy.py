#!/usr/bin/env python3
"""A chaos TCP proxy for the drills: stands between the services and a dependency (MariaDB)
and, on command, cuts or hangs the connections.

  chaos_proxy.py --listen 127.0.0.1:PORT --upstream 127.0.0.1:3306 --control 127.0.0.1:CPORT

Control (plain HTTP on the control port, answers JSON):
  POST /mode/pass   forward (the default); reopens the listener after `cut`
  POST /mode/cut    reset every open connection and refuse new ones (the listener closes:
                    connection refused), as when the database host is gone
  POST /mode/hang   keep every connection open but move no byte either way, and accept new
                    connections without ever connecting them upstream (a black hole); leaving
                    `hang` resets the connections it held
  GET  /stats       mode, open connections, connections accepted, cut, waited for a slot

At most --max-upstream (64) connections reach the upstream at once (it is shared: a reconnect
storm must not take all of its connections); more wait up to 10 s for a slot, then are reset.

Stdlib only, loopback only; exits by itself after --max-seconds (default 1800).
"""

import argparse
import asyncio
import json
import socket
import struct
import sys
import time


def split(addr):
    host, port = addr.rsplit(":", 1)
    return host, int(port)


class Proxy:
    def __init__(self, listen, upstream, max_upstream):
        self.listen = listen
        self.upstream = upstream
        # The database is shared: a reconnect storm after an outage must not take all of its
        # connections. Past this many, a new connection waits (10 s at most) for a slot.
        self.slots = asyncio.Semaphore(max_upstream)
        self.waited = 0
        self.mode = "pass"
        self.server = None
        self.conns = set()  # (client_writer, upstream_writer or None)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.accepted = 0
        self.cut = 0

    async def open(self):
        if self.server is None:
            host, port = self.listen
            self.server = await asyncio.start_server(self.handle, host, port, reuse_address=True)

    async def close_listener(self):
        if self.server is not None:
            self.server.close()
            self.server = None

    @staticmethod
    def reset(writer):
        """Closes with RST (SO_LINGER 0), as a dead host's network would."""
        if writer is None:
            return
        sock = writer.get_extra_info("socket")
        try:
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        writer.transport.abort()

    def reset_all(self):
        for client, upstream in list(self.conns):
            self.reset(client)
            self.reset(upstream)
            self.cut += 1
        self.conns.clear()

    async def set_mode(self, mode):
        previous, self.mode = self.mode, mode
        if mode == "cut":
            await self.close_listener()
            self.flowing.set()
            self.reset_all()
        elif mode == "hang":
            self.flowing.clear()
            await self.open()
        elif mode == "pass":
            if previous == "hang":
                self.reset_all()
            self.flowing.set()
            await self.open()
        else:
            self.mode = previous
            raise ValueError(mode)

    async def pump(self, reader, writer, pair):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                await self.flowing.wait()
                if pair not in self.conns:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def handle(self, client_reader, client_writer):
        self.accepted += 1
        if self.mode == "cut":
            self.reset(client_writer)
            return
        if self.mode == "hang":
            pair = (client_writer, None)
            self.conns.add(pair)
            return  # held open, never connected; reset when the mode changes
        if self.slots.locked():
            self.waited += 1
        try:
            await asyncio.wait_for(self.slots.acquire(), timeout=10)
        except asyncio.TimeoutError:
            self.reset(client_writer)
            return
        try:
            if self.mode != "pass":
                self.reset(client_writer)
                return
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(*self.upstream), timeout=5
                )
            except (OSError, asyncio.TimeoutError):
                self.reset(client_writer)
                return
            if self.mode != "pass":
                # Cut (or hung) while connecting: this one must not slip through.
                self.reset(client_writer)
                self.reset(up_writer)
                return
            pair = (client_writer, up_writer)
            self.conns.add(pair)
            await asyncio.gather(
                self.pump(client_reader, up_writer, pair),
                self.pump(up_reader, client_writer, pair),
            )
            self.conns.discard(pair)
        finally:
            self.slots.release()

    def stats(self):
        return {
            "mode": self.mode,
            "open": len(self.conns),
            "accepted": self.accepted,
            "cut": self.cut,
            "waited_for_a_slot": self.waited,
        }


async def control(proxy, reader, writer):
    try:
        request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        method, path = request.split(b" ")[:2]
        path = path.decode()
        status, body = 200, None
        if method == b"POST" and path.startswith("/mode/"):
            try:
                await proxy.set_mode(path[len("/mode/"):])
                body = proxy.stats()
            except ValueError:
                status, body = 404, {"error": "modes: pass, cut, hang"}
        elif path == "/stats":
            body = proxy.stats()
        else:
            status, body = 404, {"error": "not found"}
        data = json.dumps(body).encode()
        writer.write(
            b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, len(data), data)
        )
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--max-upstream", type=int, default=64)
    args = parser.parse_args()
    for addr in (args.listen, args.control):
        if split(addr)[0] not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("loopback addresses only")
    proxy = Proxy(split(args.listen), split(args.upstream), args.max_upstream)
    await proxy.open()
    host, port = split(args.control)
    await asyncio.start_server(lambda r, w: control(proxy, r, w), host, port, reuse_address=True)
    print(f"chaos proxy {args.listen} -> {args.upstream}, control {args.control}", flush=True)
    await asyncio.sleep(args.max_seconds)
    proxy.reset_all()


if __name__ == "__main__":
    started = time.time()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
