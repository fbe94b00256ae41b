"""Micro benchmark of the per-move checks: ``python -m cybercollege.worlds.bench [PATH]``.

Draws random walkable points in every room of the world and short moves (about one 20 Hz tick of
walking, 0.1 m) from them, then times ``room.contains`` and ``room.segment_allowed`` per call.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Sequence

from cybercollege.worlds.loader import default_world_path, load_world
from cybercollege.worlds.model import Room

STEP = 0.1  # metres per move


def _samples(room: Room, n: int, rng: random.Random) -> list[tuple[float, float, float, float]]:
    x0, y0, x1, y1 = room.bounds
    out: list[tuple[float, float, float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        if room.contains(x, y):
            a = rng.uniform(0, 2 * math.pi)
            out.append((x, y, x + STEP * math.cos(a), y + STEP * math.sin(a)))
    return out


def _time(fn, args: Sequence[tuple[float, ...]], repeat: int = 5) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for a in args:
            fn(*a)
        best = min(best, time.perf_counter() - start)
    return best / len(args) * 1e6


def run(path: str | None = None, per_room: int = 2000) -> dict[str, tuple[float, float]]:
    """µs per call of (contains, segment_allowed) for each room."""
    world = load_world(path or default_world_path())
    rng = random.Random(1)
    results: dict[str, tuple[float, float]] = {}
    for room in world.rooms.values():
        moves = _samples(room, per_room, rng)
        points = [(m[2], m[3]) for m in moves]
        results[room.id] = (_time(room.contains, points), _time(room.segment_allowed, moves))
    return results


def main() -> int:
    results = run(sys.argv[1] if len(sys.argv) > 1 else None)
    for room_id, (c, s) in results.items():
        print(f"{room_id:12s} contains {c:5.2f} µs   segment_allowed {s:5.2f} µs")
    cs = [c for c, _ in results.values()]
    ss = [s for _, s in results.values()]
    print(f"{'mean':12s} contains {sum(cs) / len(cs):5.2f} µs   segment_allowed {sum(ss) / len(ss):5.2f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
