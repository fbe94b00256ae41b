"""Whiteboard benchmark against a real server process (see docs/whiteboard.md §Benchmark).

    python -m benchmarks.whiteboard_bench                  # 30 viewers, 10 s of drawing, 10,000-stroke board
    python -m benchmarks.whiteboard_bench --viewers 30 --seconds 10 --strokes 10000

1. Stroke latency: a teacher draws in salle-103, streaming points at 60 Hz (2 points a message); for
   each message, the time until each of the viewers (pupils ``bot-N`` of 4A) has applied it. p50/p99.
2. Late join: the database is seeded with a board of N strokes (50 points each); a client walks in
   and we time USE_DOOR -> the last BOARD_ITEMS applied: first join (loads the board from the
   database) and a second join (board in memory). Also the in-process replay times (snapshot, log).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from cybercollege import worlds
from cybercollege.client.mirror import Mirror
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.whiteboard.board import ITEM, Board, Op
from cybercollege.server.classroom.whiteboard.storage import BoardStorage, Snapshot
from cybercollege.server.persistence import Store

ROOT = Path(__file__).resolve().parent.parent
WORLD = worlds.load_world(worlds.default_world_path())
BOARD = "tableau-103"
SECRET = "b" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    args = ["serve", "--port", str(port), "--secret", SECRET, "--database-url", f"sqlite+aiosqlite:///{db}",
            "--demo", "true"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "cybercollege.server", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"{base}/health") as r:
                    if r.status == 200:
                        return proc, base
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


async def login(http: aiohttp.ClientSession, base: str, user: str) -> WorldConnection:
    conn = WorldConnection(http, base, await fetch_demo_token(http, base, user))
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.members, timeout=30)
    return conn


async def walk(conn: WorldConnection, x: float, y: float, speed: float = 4.5) -> None:
    sx, sy, _ = conn.mirror.position
    steps = max(1, int(((x - sx) ** 2 + (y - sy) ** 2) ** 0.5 / (speed / 20)))
    for i in range(1, steps + 1):
        await conn.move(sx + (x - sx) * i / steps, sy + (y - sy) * i / steps)
        await asyncio.sleep(0.05)


async def through(conn: WorldConnection, door_id: str) -> float:
    """Walk to a door and use it; returns when USE_DOOR was sent (perf_counter)."""
    door = WORLD.doors[door_id]
    here = conn.mirror.room
    await walk(conn, *door.landing(here)[:2])
    sent = time.perf_counter()
    await conn.use_door(door_id)
    target = door.rooms[1] if door.rooms[0] == here else door.rooms[0]
    await conn.wait_for(lambda m: m.room == target, timeout=30)
    return sent


def board_complete(mirror: Mirror) -> bool:
    b = mirror.boards.get(BOARD)
    return b is not None and len(b.items) >= b.expected


async def enter_classroom(conn: WorldConnection, timeout: float = 60) -> float:
    """Walk into salle-103; returns seconds from USE_DOOR to the whole board received."""
    await through(conn, "hall-couloir")
    sent = await through(conn, "porte-103")
    await conn.wait_for(board_complete, timeout=timeout)
    return time.perf_counter() - sent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- 1. stroke latency ------------------------------------------------------------------------------


async def latency(base: str, viewers: int, seconds: float) -> dict[str, float]:
    async with aiohttp.ClientSession() as http:
        prof = await login(http, base, "mme.durand")
        pupils = [await login(http, base, f"bot-{i + 1}") for i in range(viewers)]
        await asyncio.gather(*(enter_classroom(c) for c in [prof, *pupils]))
        sent: dict[tuple[int, int], float] = {}
        delays: list[float] = []

        def listener(msg: object) -> None:
            if type(msg) is W.LivePoints:
                t = sent.get((msg.points[0], msg.points[1]))
                if t is not None:
                    delays.append(time.perf_counter() - t)

        for p in pupils:
            p.mirror.listeners.append(listener)
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            cid = prof.new_cid()
            await prof.send(W.StrokeBegin(BOARD, cid, 0, W.Tool.PEN, 0x1F4E79, 30, [5000, 1500]))
            for _ in range(58):  # about one second of writing
                n += 1
                point = (n % 10_000, n // 10_000)
                sent[point] = time.perf_counter()
                await prof.send(W.StrokePoints(BOARD, cid, [*point, point[0], point[1] + 1]))
                await asyncio.sleep(1 / 60)
            await prof.send(W.StrokeEnd(BOARD, cid))
            await asyncio.sleep(1 / 60)
        await asyncio.sleep(0.5)
        errors = list(prof.mirror.errors)
        for c in [prof, *pupils]:
            await c.close()
    expected = n * viewers
    return {
        "messages": n,
        "samples": len(delays),
        "lost": expected - len(delays),
        "p50_ms": pct(delays, 0.5) * 1000,
        "p99_ms": pct(delays, 0.99) * 1000,
        "max_ms": max(delays) * 1000,
        "errors": len(errors),
    }


# --- 2. late join of a big board ----------------------------------------------------------------------


def big_board(strokes: int, rng: random.Random) -> tuple[Board, list[Op]]:
    board = Board(BOARD, 3333)
    ops = []
    for seq in range(1, strokes + 1):
        x, y = rng.randrange(0, 9000), rng.randrange(0, 3000)
        points = [v for i in range(50) for v in (x + 10 * i, y + rng.randrange(0, 300))]
        op = Op(seq, "demo:mme.durand", ITEM, [0, W.Kind.STROKE, W.Tool.PEN, 0x1F4E79, 30, points, ""])
        ops.append(op)
        board.apply(op)
    return board, ops


async def seed(db: Path, board: Board) -> float:
    """Write the board's snapshot into a fresh database; returns its size in MB."""
    state = board.snapshot()
    async with Store(f"sqlite+aiosqlite:///{db}") as store:
        await BoardStorage(store).write([], [Snapshot(BOARD, board.seq, state)])
    return len(state) / 1e6


def replay_times(board: Board, ops: list[Op]) -> dict[str, float]:
    state = board.snapshot()
    t = time.perf_counter()
    Board(BOARD, 3333).restore(state)
    from_snapshot = time.perf_counter() - t
    t = time.perf_counter()
    fresh = Board(BOARD, 3333)
    for op in ops:
        fresh.apply(op)
    from_log = time.perf_counter() - t
    return {"restore_snapshot_ms": from_snapshot * 1000, "replay_log_ms": from_log * 1000}


async def late_join(base: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as http:
        first = await login(http, base, "bot-1")
        cold = await enter_classroom(first)
        second = await login(http, base, "bot-2")
        warm = await enter_classroom(second)
        items = len(second.mirror.boards[BOARD].items)
        await first.close()
        await second.close()
    return {"items": items, "first_join_ms": cold * 1000, "second_join_ms": warm * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--strokes", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = await start_server(Path(tmp) / "latency.db")
        try:
            result = await latency(base, args.viewers, args.seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        print(f"stroke latency, 1 drawer at 60 Hz -> {args.viewers} viewers: " + _fmt(result))

        board, ops = big_board(args.strokes, random.Random(1))
        print(f"replay in process, {args.strokes} strokes: " + _fmt(replay_times(board, ops)))
        db = Path(tmp) / "late.db"
        size = await seed(db, board)
        proc, base = await start_server(db)
        try:
            result = await late_join(base)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        print(f"late join, {args.strokes} strokes ({size:.1f} MB snapshot): " + _fmt(result))


def _fmt(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())


if __name__ == "__main__":
    asyncio.run(main())
