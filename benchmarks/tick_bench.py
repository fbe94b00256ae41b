"""Micro-benchmark of one world tick with N moving avatars and no network: the server's own logic.

    python -m benchmarks.tick_bench --count 1000

Sessions are stand-ins that accept every frame, so this measures simulation, interest management and
frame building only (the network costs are in `cybercollege bench`). Reports CPU time per tick
(process time, so other load on the machine matters little) and per delivered update.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from cybercollege import worlds
from cybercollege.server.config import Settings
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.session import Session
from cybercollege.server.core.world import World

ARENA = Path(__file__).resolve().parent / "arena"


class Sink:
    """A transport that takes everything (server/core/delivery.py's Transport)."""

    async def send(self, data: bytes) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...

    def buffered(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False


def build(count: int, tmp: str) -> World:
    settings = Settings(world=ARENA, database_url=f"sqlite+aiosqlite:///{tmp}/t.db")
    world = World(worlds.load_world(ARENA), settings)
    rng = random.Random(1)
    for i in range(count):
        session = Session(Sink(), settings)
        a = world.attach(Identity(f"demo:bot-{i}", f"Bot {i}", Role.PUPIL, "demo"), session, None, None)
        a.place(rng.uniform(2, 98), rng.uniform(2, 98), 0.0)
    return world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        world = build(args.count, tmp)
        avatars = list(world.avatars.values())
        rng = random.Random(2)
        for _ in range(10):
            world.step()
        times, updates0 = [], world.counters.updates
        for _ in range(args.ticks):
            for a in avatars:  # everyone moves a little (what MOVE handling leaves behind)
                a.x = min(98.0, max(2.0, a.x + rng.uniform(-0.07, 0.07)))
                a.xq = round(a.x * 100)
                a.room.changed.add(a)
            start = time.process_time()
            world.step()
            times.append(time.process_time() - start)
        updates = world.counters.updates - updates0
    per_tick = statistics.mean(times)
    p99 = sorted(times)[int(0.99 * len(times))]
    print(
        f"{args.count} avatars: tick CPU mean {per_tick * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms; "
        f"{updates / args.ticks:.0f} updates per tick; {1e6 * sum(times) / updates:.2f} µs per delivered update; "
        f"at 20 Hz: {per_tick * 20 * 100:.0f}% of a core"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
