"""A teacher and a class of 30 pupils share the board of salle-103 live (real WebSockets)."""

from __future__ import annotations

import asyncio
import time

from protocol import whiteboard as W
from server.services import Services
from tests.server.conftest import Connect
from tests.server.whiteboard.conftest import BOARD, seat


async def test_thirty_pupils_see_each_point_as_it_is_drawn(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    pupils = [await connect(f"bot-{i}") for i in range(1, 31)]  # class 4A: salle-103 is theirs
    for conn in (prof, *pupils):
        await seat(conn, services)
    cid = prof.new_cid()
    await prof.send(W.StrokeBegin(BOARD, cid, 0, W.Tool.PEN, 0xC00000, 30, [500, 500]))
    lags = []
    for i in range(1, 21):  # points streamed at about 60 Hz
        sent = time.monotonic()
        await prof.send(W.StrokePoints(BOARD, cid, [500 + 10 * i, 500 + 5 * i]))
        await asyncio.gather(
            *(
                p.wait_for(lambda m, n=2 * (i + 1): any(len(s.points) == n for s in m.boards[BOARD].live.values()))
                for p in pupils
            )
        )
        lags.append(time.monotonic() - sent)
        await asyncio.sleep(max(0.0, 1 / 60 - (time.monotonic() - sent)))
    await prof.send(W.StrokeEnd(BOARD, cid))
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    seq = prof.mirror.boards[BOARD].acks[cid]
    for p in pupils:
        await p.wait_for(lambda m: seq in m.boards[BOARD].items)
        assert len(p.mirror.boards[BOARD].items[seq].points) == 42
    assert max(lags) < 0.5  # every point reached all 30 pupils well within half a second
