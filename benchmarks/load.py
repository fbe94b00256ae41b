"""Load generator for the benchmark: N lean bots against our server or the baseline.

Against our server each bot runs the shared protocol state machine (``ClientConnection``: HELLO, WELCOME,
BYE) and the client library's demo login, over a lean WebSocket (benchmarks/lean_ws.py) that decodes
nothing unless the bot observes.

Each bot walks a straight random path in the arena, sending a move at ``--hz``. A few "observer" bots
decode everything they receive and time each update from the moment its sender sent it (bots share one
process, so one monotonic clock). Prints one JSON line of results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import time
from collections.abc import Callable

import aiohttp

from benchmarks.lean_ws import LeanWebSocket, handshake
from cybercollege.client.network import ConnectionRefused, fetch_demo_token
from cybercollege.protocol.connection import ClientConnection, Received, Send, State
from cybercollege.protocol.messages import Frame, Move

SENT: dict[tuple[int, int, int], float] = {}
LAT: list[float] = []
COUNTS = {"frames": 0, "bytes": 0, "updates_observed": 0, "errors": 0, "connected": 0}


class Walker:
    def __init__(self, rng: random.Random, size: float, x: float, y: float) -> None:
        self.rng, self.size = rng, size
        self.x, self.y = x, y
        self.tx, self.ty = x, y

    def step(self, dist: float) -> tuple[int, int, int]:
        if math.hypot(self.tx - self.x, self.ty - self.y) < 0.1:
            self.tx = min(self.size - 2, max(2, self.x + self.rng.uniform(-15, 15)))
            self.ty = min(self.size - 2, max(2, self.y + self.rng.uniform(-15, 15)))
        dx, dy = self.tx - self.x, self.ty - self.y
        d = math.hypot(dx, dy) or 1.0
        r = min(1.0, dist / d)
        self.x += dx * r
        self.y += dy * r
        return round(self.x * 100), round(self.y * 100), int((math.degrees(math.atan2(-dx, dy)) % 360) * 182)


async def ours(http: aiohttp.ClientSession, url: str, i: int, observe: bool, args: argparse.Namespace) -> None:
    """One bot on our server: the shared protocol state machine over the lean socket."""
    token = await fetch_demo_token(http, url, f"bot-{i}")
    conn = ClientConnection()
    me = 0

    def on_frame(data: bytes) -> None:
        if conn.state is not State.OPEN:  # came in the same read as WELCOME, before the handshake took it
            return
        for ev in conn.receive(data):
            frame = ev.message if isinstance(ev, Received) else None
            if isinstance(frame, Frame):
                now = time.monotonic()
                for u in frame.updates:
                    t = SENT.get((u.id, u.x, u.y))
                    if t is not None and u.id != me:
                        LAT.append(now - t)
                        COUNTS["updates_observed"] += 1

    host, port = url.removeprefix("http://").split(":")
    ws = await LeanWebSocket.connect(host, int(port), "/ws", on_frame if observe else None, COUNTS)
    try:
        welcome = await handshake(ws, conn, token, "cybercollege-load")
        if welcome is None:
            raise ConnectionRefused(conn.refusal.message if conn.refusal else "no WELCOME")
        me = welcome.you.id
        COUNTS["connected"] += 1
        walker = Walker(random.Random(i), args.size, welcome.you.x / 100, welcome.you.y / 100)
        await walk(ws, args, lambda seq: _ours_move(conn, me, walker, seq, args))
    finally:
        for ev in conn.bye():
            if isinstance(ev, Send):
                ws.send(ev.data)
        ws.close()


def _ours_move(conn: ClientConnection, me: int, walker: Walker, seq: int, args: argparse.Namespace) -> bytes:
    x, y, h = walker.step(args.speed / args.hz)
    SENT[(me, x, y)] = time.monotonic()
    return conn.send(Move(seq, x, y, h, 1))


async def baseline(http: aiohttp.ClientSession, url: str, i: int, observe: bool, args: argparse.Namespace) -> None:
    async with http.ws_connect(f"{url}/ws", compress=0) as ws:
        me = json.loads((await ws.receive()).data)["id"]
        COUNTS["connected"] += 1

        async def read() -> None:
            async for msg in ws:
                COUNTS["frames"] += 1
                COUNTS["bytes"] += len(msg.data)
                if observe:
                    m = json.loads(msg.data)
                    t = SENT.get((m["id"], m["x"], m["y"]))
                    if t is not None:
                        LAT.append(time.monotonic() - t)
                        COUNTS["updates_observed"] += 1

        reader = asyncio.create_task(read())
        rng = random.Random(i)
        walker = Walker(rng, args.size, rng.uniform(2, args.size - 2), rng.uniform(2, args.size - 2))

        def move(seq: int) -> str:
            x, y, h = walker.step(args.speed / args.hz)
            SENT[(me, x, y)] = time.monotonic()
            return json.dumps({"t": "move", "x": x, "y": y, "h": h})

        await walk(ws, args, move)
        reader.cancel()


async def walk(ws: aiohttp.ClientWebSocketResponse | LeanWebSocket, args: argparse.Namespace,
               make: Callable[[int], bytes | str]) -> None:
    period = 1.0 / args.hz
    await asyncio.sleep(random.random() * period)
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    seq = 0
    while loop.time() < args.until and not _closed(ws):
        seq += 1
        data = make(seq)
        if isinstance(ws, LeanWebSocket):
            if not isinstance(data, bytes):
                raise TypeError("the lean client sends binary messages only")
            ws.send(data)
        elif isinstance(data, bytes):
            await ws.send_bytes(data)
        else:
            await ws.send_str(data)
        next_at += period
        await asyncio.sleep(max(0.0, next_at - loop.time()))


def _closed(ws: aiohttp.ClientWebSocketResponse | LeanWebSocket) -> bool:
    return ws.closed.done() if isinstance(ws, LeanWebSocket) else ws.closed


async def janitor() -> None:
    while True:
        await asyncio.sleep(1.0)
        cutoff = time.monotonic() - 3.0
        for k in [k for k, t in SENT.items() if t < cutoff]:
            del SENT[k]


async def main_async(args: argparse.Namespace) -> None:
    args.until = asyncio.get_running_loop().time() + args.duration
    run = ours if args.kind == "ours" else baseline
    every = max(1, args.count // max(1, args.observers))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        jan = asyncio.create_task(janitor())
        tasks = []
        for i in range(args.count):
            tasks.append(asyncio.create_task(run(http, args.url, args.first + i, i % every == 0, args)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        measure_from = args.measure_after

        async def reset_latencies() -> None:
            await asyncio.sleep(measure_from)
            LAT.clear()
            COUNTS["updates_observed"] = 0

        resetter = asyncio.create_task(reset_latencies())
        results = await asyncio.gather(*tasks, return_exceptions=True)
        jan.cancel()
        resetter.cancel()
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    LAT.sort()
    n = len(LAT)

    def pct(p: float) -> float | None:
        return round(LAT[min(n - 1, int(p * n))] * 1000, 2) if n else None

    print(
        json.dumps(
            {
                "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0), "samples": n},
                "counts": COUNTS,
                "failures": len(failures),
                "first_failure": failures[0] if failures else None,
            }
        ),
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=["ours", "baseline"], default="ours")
    p.add_argument("--url", default="http://127.0.0.1:8765")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--hz", type=float, default=20.0)
    p.add_argument("--speed", type=float, default=1.4)
    p.add_argument("--size", type=float, default=100.0, help="arena side (m)")
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--measure-after", type=float, default=8.0, help="discard latencies before this (s)")
    p.add_argument("--observers", type=int, default=20)
    args = p.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
