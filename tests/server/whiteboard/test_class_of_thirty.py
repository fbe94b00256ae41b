"""A teacher and a class of 30 pupils share the board of salle-103 live (real WebSockets).

How fast a point reaches the 30 pupils is measured by ``python -m benchmarks.whiteboard_bench``
(docs/benchmarks.md); here, every pupil must see every point while the stroke is being drawn.
"""

from __future__ import annotations

import asyncio
import time

from cybercollege.protocol import whiteboard as W
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.waits import HANG
from tests.server.whiteboard.conftest import BOARD, seat


async def test_thirty_pupils_see_each_point_as_it_is_drawn(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    pupils = [await connect(f"bot-{i}") for i in range(1, 31)]  # class 4A: salle-103 is theirs
    for conn in (prof, *pupils):
        await seat(conn, services)
    cid = prof.new_cid()
    await prof.send(W.StrokeBegin(BOARD, cid, 0, W.Tool.PEN, 0xC00000, 30, [500, 500]))
    for i in range(1, 21):  # points streamed at about 60 Hz
        sent = time.monotonic()
        await prof.send(W.StrokePoints(BOARD, cid, [500 + 10 * i, 500 + 5 * i]))
        try:  # each point reaches all 30 pupils before the next one is drawn
            await asyncio.gather(
                *(
                    p.wait_for(
                        lambda m, n=2 * (i + 1): any(len(s.points) == n for s in m.boards[BOARD].live.values()),
                        HANG,
                    )
                    for p in pupils
                )
            )
        except TimeoutError:
            raise AssertionError(f"hung: point {i} not at every pupil after {HANG} s") from None
        await asyncio.sleep(max(0.0, 1 / 60 - (time.monotonic() - sent)))  # pace: the board's rate limit
    await prof.send(W.StrokeEnd(BOARD, cid))
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    seq = prof.mirror.boards[BOARD].acks[cid]
    for p in pupils:
        await p.wait_for(lambda m: seq in m.boards[BOARD].items)
        assert len(p.mirror.boards[BOARD].items[seq].points) == 42
