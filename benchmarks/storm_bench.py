"""Reconnect storm: a whole school comes back at once after the server restarts.

    python -m benchmarks.storm_bench                                  # 1,000 clients, SIGTERM then SIGKILL
    python -m benchmarks.storm_bench --clients 1000 --signal kill --json
    python -m benchmarks.storm_bench --database-url postgresql+asyncpg://...

A real server process (``cybercollege serve``, the default college world, SQLite in a temporary directory
unless ``--database-url``) and ``--clients`` demo pupils (``bot-N``) in one load-generator process (this one),
each over a lean WebSocket with the shared protocol state machine. Their last places are first written to the
database in ``--room`` (the courtyard by default: it holds 1,200; the hall only 300), so that:

1. **arrival**: every client connects at once to the fresh server: each should come back where it was;
2. **restart** (``--signal term``, ``kill`` or ``both``): the server is stopped with that signal and started
   again; every client reconnects at once (with its still valid token, retrying while the port is closed)
   and should again come back where it was.

For each phase: how many got in, how many were refused (by close code), how many are back in their room,
and the WELCOME latency (from the HELLO sent on an open socket to WELCOME) p50/p90/p99/max. Bots only move
once in, so the server also saves their place as it would for pupils.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.lean_ws import LeanWebSocket, handshake
from benchmarks.world_bench import free_port, get_json
from cybercollege.client.network import fetch_demo_token
from cybercollege.protocol.connection import ClientConnection
from cybercollege.protocol.messages import Move
from cybercollege.server.persistence.records import Place
from cybercollege.server.persistence.store import Store
from cybercollege.worlds.loader import load_world

ROOT = Path(__file__).resolve().parent.parent
WORLD = ROOT / "worlds" / "college" / "world.toml"
SECRET = "storm-bench-" + "s" * 32


@dataclass
class Phase:
    """What the clients saw in one phase."""

    name: str
    welcome_s: list[float] = field(default_factory=list)
    rooms: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    back: int = 0
    """Clients placed in the room they were last in."""

    def report(self, clients: int) -> dict:
        lat = sorted(self.welcome_s)

        def pct(q: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else None

        return {
            "phase": self.name,
            "in": len(lat),
            "of": clients,
            "back_in_place": self.back,
            "rooms": dict(self.rooms),
            "refused": dict(self.refused),
            "connect_attempts": self.attempts,
            "welcome_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": pct(1.0)},
        }


class Client:
    """One pupil: a token kept across restarts, one connection at a time."""

    def __init__(self, index: int, token: str) -> None:
        self.index = index
        self.token = token
        self.ws: LeanWebSocket | None = None
        self.room = ""
        """Where the server last placed this client (its seeded place before the first phase)."""

    async def join(self, host: str, port: int, phase: Phase, give_up: float) -> None:
        """Connect (retrying while the server is down) until WELCOME or a refusal."""
        loop = asyncio.get_running_loop()
        rng = random.Random(self.index)
        while loop.time() < give_up:
            phase.attempts += 1
            try:
                ws = await LeanWebSocket.connect(host, port, "/ws", None, {"frames": 0, "bytes": 0})
            except OSError:
                await asyncio.sleep(rng.uniform(0.2, 0.6))  # a client's reconnect back-off, with jitter
                continue
            conn = ClientConnection()
            started = loop.time()
            welcome = await handshake(ws, conn, self.token, "cybercollege-storm")
            if welcome is None:
                phase.refused[str(conn.refusal.code if conn.refusal else "timeout")] += 1
                ws.close()
                return
            phase.welcome_s.append(loop.time() - started)
            phase.rooms[welcome.room] += 1
            phase.back += welcome.room == self.room
            self.room = welcome.room
            you = welcome.you
            ws.send(conn.send(Move(1, you.x, you.y, you.heading, 0)))
            self.ws = ws
            return
        phase.refused["gave_up"] += 1

    def drop(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None


async def seed_places(url: str, room_id: str, clients: int) -> None:
    """Everyone was last in ``room_id``, at random points inside it."""
    room = load_world(WORLD).rooms[room_id]
    rng = random.Random(7)
    x0, y0, x1, y1 = room.bounds
    places: list[Place] = []
    while len(places) < clients:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if room.contains(x, y):
            places.append(Place(f"demo:bot-{len(places)}", room_id, x, y, 0.0))
    async with Store(url) as store:
        await store.save_places(places)


def start(port: int, url: str, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "cybercollege.server", "serve", "--demo", "true", "--port", str(port),
        "--database-url", url, "--log-level", "WARNING",
    ]
    out = open(log, "ab")  # noqa: SIM115 - a file, not a pipe: a full pipe would block the server
    env = {**os.environ, "CYBERCOLLEGE_SECRET": SECRET}  # one secret across restarts, as a deployment has
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get_json(f"http://127.0.0.1:{port}/health", timeout=5)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server died: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen, how: signal.Signals) -> None:
    proc.send_signal(how)
    proc.wait(60)


async def phase(name: str, clients: list[Client], port: int, args: argparse.Namespace) -> dict:
    result = Phase(name)
    give_up = asyncio.get_running_loop().time() + args.give_up
    await asyncio.gather(*(c.join("127.0.0.1", port, result, give_up) for c in clients))
    return result.report(len(clients))


async def run(args: argparse.Namespace, tmp: Path) -> list[dict]:
    url = args.database_url or f"sqlite+aiosqlite:///{tmp}/storm.db"
    port = free_port()
    log = tmp / "server.log"
    proc = start(port, url, log)  # creates the schema
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as http:
        tokens = await asyncio.gather(*(fetch_demo_token(http, base, f"bot-{i}") for i in range(args.clients)))
    stop(proc, signal.SIGTERM)
    await seed_places(url, args.room, args.clients)
    clients = [Client(i, token) for i, token in enumerate(tokens)]
    for c in clients:
        c.room = args.room
    reports = []
    proc = start(port, url, log)
    reports.append(await phase("arrival", clients, port, args))
    signals = [signal.SIGTERM, signal.SIGKILL] if args.signal == "both" else [
        signal.SIGTERM if args.signal == "term" else signal.SIGKILL
    ]
    for how in signals:
        await asyncio.sleep(args.settle)  # the bots' moves reach the write-behind
        stop(proc, how)
        for c in clients:
            c.drop()
        restarting = asyncio.get_running_loop().run_in_executor(None, start, port, url, log)
        report = await phase(f"after {how.name}", clients, port, args)
        proc = await restarting
        reports.append(report)
    stop(proc, signal.SIGTERM)
    tracebacks = log.read_text(errors="replace").count("Traceback")
    for report in reports:
        report["server_tracebacks"] = tracebacks
    return reports


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--room", default="cour", help="where everyone was (default: the courtyard)")
    p.add_argument("--signal", choices=["term", "kill", "both"], default="both")
    p.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    p.add_argument("--settle", type=float, default=3.0, help="seconds between arrival and the restart")
    p.add_argument("--give-up", type=float, default=120.0, help="a client stops retrying after this (s)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="storm-") as d:
        reports = asyncio.run(run(args, Path(d)))
    for report in reports:
        if args.json:
            print(json.dumps(report))
        else:
            w = report["welcome_ms"]
            print(
                f"{report['phase']:>14}: in {report['in']}/{report['of']}, back where they were "
                f"{report['back_in_place']}, refused {report['refused'] or 0}, WELCOME p50 {w['p50']} ms "
                f"p90 {w['p90']} ms p99 {w['p99']} ms max {w['max']} ms, attempts {report['connect_attempts']}, "
                f"tracebacks {report['server_tracebacks']}"
            )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
