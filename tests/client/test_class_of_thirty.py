"""The issue's lesson: a teacher draws through the 3D board of a real headless client, and a class of 30
pupils (bots on real WebSockets) sees the stroke live, then saved."""

from __future__ import annotations

import asyncio

from cybercollege.client.network import WorldConnection, fetch_demo_token
from tests.client.helpers import until
from tests.client.sessions import in_room, in_world, start, stop
from tests.client.test_drawing import on_screen

BOARD = "tableau-103"


async def pupil(http, server, n: int) -> WorldConnection:  # type: ignore[no-untyped-def]
    conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, f"bot-{n}"))
    await conn.connect()
    world = server.world
    room = world.rooms["salle-103"]
    world.move_to(world.avatars[conn.mirror.me], room, room.spec.spawn_points[n % len(room.spec.spawn_points)])
    await conn.wait_for(lambda m: BOARD in m.boards)
    return conn


async def test_a_teacher_and_thirty_pupils_share_the_board(base, server, http, driver, tmp_path):  # type: ignore[no-untyped-def]
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    pupils = [await pupil(http, server, n) for n in range(1, 31)]
    try:
        world = server.world
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
        await in_room(session, driver, "salle-103")
        await until(lambda: session.classroom.toolbar.shown, what="the toolbar shown to the teacher")
        path = [(2000 + i * 300, 1500 + (i % 4) * 150) for i in range(16)]
        assert session.classroom.pen.press(*on_screen(base, session, *path[0]))
        for point in path[1:]:
            session.classroom.pen.drag(*on_screen(base, session, *point))
            await asyncio.sleep(0.02)
        await asyncio.gather(
            *(p.wait_for(lambda m: any(len(s.points) >= 8 for s in m.boards[BOARD].live.values())) for p in pupils)
        )  # all 30 see it while it is being drawn
        session.classroom.pen.release()
        await session.conn.wait_for(lambda m: m.boards[BOARD].acks)
        seq = next(iter(session.conn.mirror.boards[BOARD].acks.values()))
        await asyncio.gather(*(p.wait_for(lambda m: seq in m.boards[BOARD].items) for p in pupils))
        assert all(len(p.mirror.boards[BOARD].items[seq].points) == 2 * len(path) for p in pupils)
    finally:
        for p in pupils:
            await p.close()
        await stop(session, task)
