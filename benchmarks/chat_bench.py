"""What "durable before visible" costs a chat line: said -> echoed to its sender, without and with a database.

    python -m benchmarks.chat_bench                      # memory, SQLite, PostgreSQL (127.0.0.1:5432 if it answers)
    python -m benchmarks.chat_bench --lines 200 --speakers 30

A world server in this process (aiohttp test server, real WebSocket clients on loopback). For each backend:

1. ``one``: one pupil says ``--lines`` lines, each after a random 0-60 ms pause (every phase of the 50 ms tick
   is sampled); the time from sending SAY to her own CHAT arriving.
2. ``busy``: ``--speakers`` pupils of the hall each say a line every 0-200 ms for ``--seconds``; the same
   time, for every line; and the journal's batches (lines per write: the group commit at work).

``memory`` is the baseline: the world shows lines at once, as without a database. Ratios are against it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.messages import Chat
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def settings(url: str) -> Settings:
    return Settings(port=0, database_url=url, secret="c" * 40, demo=True, chat_rate=100.0, chat_burst=100)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def join(http: aiohttp.ClientSession, base: str, login: str) -> WorldConnection:
    conn = WorldConnection(http, base, await fetch_demo_token(http, base, login))
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.members, timeout=60)
    return conn


class Speaker:
    """One client saying lines, and when each came back to it (a listener on its mirror)."""

    def __init__(self, conn: WorldConnection, name: str) -> None:
        self.conn, self.name = conn, name
        self.sent: dict[str, float] = {}
        self.echoed: dict[str, float] = {}
        mirror = conn.mirror

        def seen(msg: object) -> None:
            if isinstance(msg, Chat) and msg.sender == mirror.me:
                self.echoed[msg.text] = time.perf_counter()

        mirror.listeners.append(seen)

    async def speak(self, count: int | None, seconds: float, pause: float) -> None:
        """Say ``count`` lines (or lines for ``seconds``), each after a random pause of 0..``pause``."""
        rng = random.Random(self.name)
        end = time.perf_counter() + seconds
        i = 0
        while i < count if count is not None else time.perf_counter() < end:
            text = f"{self.name} {i}"
            self.sent[text] = time.perf_counter()
            await self.conn.say(text)
            i += 1
            await asyncio.sleep(rng.uniform(0, pause))

    async def latencies(self) -> list[float]:
        """Said -> echoed, once every line has come back."""
        await self.conn.wait_for(lambda m: len(self.echoed) == len(self.sent), timeout=60)
        return [self.echoed[t] - self.sent[t] for t in self.sent]


async def run_backend(name: str, url: str | None, lines: int, speakers: int, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        srv = TestServer(build(settings(url or f"sqlite+aiosqlite:///{tmp}/bench.db")), host="127.0.0.1")
        await srv.start_server()
        services: Services = srv.app[SERVICES]
        if url is None:
            services.world.chatlog = None  # memory: shown at once
        journal = services.writer.chatlog
        base = str(srv.make_url("")).rstrip("/")
        result: dict[str, object] = {"backend": name}
        try:
            async with aiohttp.ClientSession() as http:
                one = Speaker(await join(http, base, "bot-0"), "one")
                await one.speak(lines, 0, 0.06)
                result["one"] = await one.latencies()
                await one.conn.close()

                crowd = [Speaker(await join(http, base, f"bot-{i + 1}"), f"s{i}") for i in range(speakers)]
                batches, written = journal.batches, journal.written
                await asyncio.gather(*(s.speak(None, seconds, 0.2) for s in crowd))
                result["busy"] = [t for s in crowd for t in await s.latencies()]
                batches, written = journal.batches - batches, journal.written - written
                result["per_batch"] = written / batches if batches else 0.0
                for s in crowd:
                    await s.conn.close()
        finally:
            await srv.close()
        return result


async def fresh_pg() -> str | None:
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return None
    name = f"cc_chat_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return name


async def drop_pg(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main_async(args: argparse.Namespace) -> None:
    results = [await run_backend("memory", None, args.lines, args.speakers, args.seconds)]
    results.append(await run_backend("sqlite", "", args.lines, args.speakers, args.seconds))
    pg = await fresh_pg()
    if pg is None:
        print("PostgreSQL not reachable at 127.0.0.1:5432: no postgresql row")
    else:
        try:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg}"
            results.append(await run_backend("postgresql", url, args.lines, args.speakers, args.seconds))
        finally:
            await drop_pg(pg)
    base_one, base_busy = results[0]["one"], results[0]["busy"]
    assert isinstance(base_one, list) and isinstance(base_busy, list)
    print(f"chat benchmark: said -> echoed to the sender; 'one' = 1 speaker, {args.lines} lines; "
          f"'busy' = {args.speakers} speakers for {args.seconds:g} s; ratios against 'memory'")  # fmt: skip
    print(f"{'backend':<11}{'one p50':>10}{'p99':>10}{'busy p50':>10}{'p99':>10}{'lines':>7}"
          f"{'lines/write':>12}{'one p50×':>10}{'busy p99×':>10}")  # fmt: skip
    for r in results:
        one, busy = r["one"], r["busy"]
        assert isinstance(one, list) and isinstance(busy, list)
        per_batch = "-" if r["backend"] == "memory" else f"{r['per_batch']:.1f}"
        print(
            f"{r['backend']!s:<11}{ms(statistics.median(one)):>10}{ms(percentile(one, 0.99)):>10}"
            f"{ms(statistics.median(busy)):>10}{ms(percentile(busy, 0.99)):>10}{len(busy):>7}{per_batch:>12}"
            f"{statistics.median(one) / statistics.median(base_one):>10.2f}"
            f"{percentile(busy, 0.99) / percentile(base_busy, 0.99):>10.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--speakers", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
