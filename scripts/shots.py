"""README screenshots: ``python scripts/shots.py docs/images`` (offscreen, about 30 seconds).

Starts a world server in this process (demo users, throw-away database), fills the hall, classroom 103
and the amphitheatre with demo pupils and teachers (placed by the server, as a teacher's call would),
then runs the real client through the scripted visits and saves ``hall.png``, ``classroom.png`` and
``amphitheatre.png``. Development tool: it needs the server package next to the client.

The pictures show the full looks (shadows and detail textures, what a GPU draws: client/lighting.py), also
here on software GL; ``CYBERCOLLEGE_LOOKS=old`` or ``fast`` shows the others.
"""

from __future__ import annotations

import asyncio
import math
import random
import shutil
import sys
import tempfile
from pathlib import Path

import aiohttp

from cybercollege.client import display, scripts
from cybercollege.client.loop import FrameDriver
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginChoice
from cybercollege.protocol.messages import Anim

SIZE = (1280, 720)


async def crowd(http, url: str, world, logins: list[str]) -> list[WorldConnection]:
    conns = []
    for login in logins:
        conn = WorldConnection(http, url, await fetch_demo_token(http, url, login))
        await conn.connect()
        conns.append(conn)
    return conns


def place(world, conn: WorldConnection, room: str, x: float, y: float, heading: float) -> None:
    """Move an avatar at once (server side, like a teacher's call)."""
    avatar = world.avatars[conn.mirror.me]
    world.move_to(avatar, world.rooms[room], (x, y, heading))


async def pose(conn: WorldConnection, world, anim: int) -> None:
    a = world.avatars[conn.mirror.me]
    await conn.move(a.x, a.y, a.heading, anim)


async def strollers(conns: list[WorldConnection], world, stop: asyncio.Event) -> None:
    """Pupils walking to and fro in the hall."""
    rng = random.Random(3)
    legs = []
    for conn in conns:
        a = world.avatars[conn.mirror.me]
        legs.append((a.x, a.y, rng.uniform(0, 360), rng.uniform(0, 6.28)))
    t = 0.0
    while not stop.is_set():
        for conn, (x, y, h, phase) in zip(conns, legs, strict=True):
            d = 1.2 * math.sin(t * 0.9 + phase)
            dx, dy = -math.sin(math.radians(h)) * d, math.cos(math.radians(h)) * d
            going = math.cos(t * 0.9 + phase) >= 0
            await conn.move(x + dx, y + dy, h if going else (h + 180) % 360, Anim.WALK)
        t += 0.05
        await asyncio.sleep(0.05)


async def write_lesson(teacher: WorldConnection) -> None:
    """The teacher writes on the board of classroom 103."""
    from cybercollege.protocol.whiteboard import DrawShape, WriteText

    board = "tableau-103"
    await teacher.wait_for(lambda m: board in m.boards)
    await teacher.send(WriteText(board, teacher.new_cid(), 0, 0x1A3D8F, 420, 700, 500, "Present perfect"))
    await teacher.send(WriteText(board, teacher.new_cid(), 0, 0x222222, 300, 900, 1300,
                                 "I have visited Paris."))
    await teacher.send(WriteText(board, teacher.new_cid(), 0, 0x222222, 300, 900, 1900,
                                 "She has never seen snow."))
    await teacher.draw(board, [x for i in range(15) for x in (900 + i * 300, 1100 - (i % 2) * 40)],
                       colour=0xD01010, width=40)
    await teacher.send(DrawShape(board, teacher.new_cid(), 0, 2, 0x2E8B57, 30, [6600, 400, 9400, 2700]))
    await teacher.send(WriteText(board, teacher.new_cid(), 0, 0x2E8B57, 260, 6900, 1200, "have + participe"))


async def open_amphi(http, url: str) -> None:
    """Mme Durand invites a partner class to the amphitheatre with class 4A (the amphitheatre's policy is
    ``conference``: docs/worlds.md)."""
    import time

    token = await fetch_demo_token(http, url, "mme.durand")
    body = {"partner_school": "Gesamtschule Köln", "country": "Allemagne", "language": "de", "room": "amphi",
            "classes": ["4A"], "valid_until": time.time() + 3600, "max_guests": 3}
    async with http.post(f"{url}/api/invitations", json=body, headers={"Authorization": f"Bearer {token}"}) as r:
        r.raise_for_status()


def arriving(world, room_id: str, then):
    """A client script: Léa is put at the door of ``room_id`` (server side, as a teacher's call would), then
    does ``then(session)``. On a loaded software GL the full looks draw a few frames a second, too slow for
    the walking scripts' door timeouts; the pictures are about what she sees there, not the walk."""

    async def script(session) -> None:
        room = world.rooms[room_id]
        x, y, heading = room.spec.doors[0].landing(room_id)
        world.move_to(world.avatars[session.conn.mirror.me], room, (x, y, heading))
        async with asyncio.timeout(30):
            while session.view.walker is None or session.view.walker.room.id != room_id:
                await asyncio.sleep(0.05)
        await then(session)

    return script


async def seated_with_a_question(session) -> None:
    await scripts.sit_at(session, "salle-103-b-2-2")
    await asyncio.sleep(0.3)
    session.view.toggle_hand()
    await session.conn.say("Bonjour ! J'ai une question.")
    await asyncio.sleep(0.8)


async def seated_in_the_amphitheatre(session) -> None:
    await scripts.sit_at(session, "amphi-g-3-5")
    await asyncio.sleep(0.8)


async def visit(base, http, driver, url: str, login: str, script: str, path: Path, cache: Path) -> int:
    options = Options(url=url, choice=LoginChoice("demo", login, url), script=script, screenshot=path,
                      unattended=True, cache=cache)
    return await Session(base, http, driver, options).run()


async def main(out: Path) -> int:
    from aiohttp.test_utils import TestServer

    from cybercollege.server.config import Settings
    from cybercollege.server.edge.app import build
    from cybercollege.server.edge.services import SERVICES

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cc-shots-"))
    app = build(Settings(port=0, database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite", demo=True))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    world = app[SERVICES].world
    base = display.base()
    driver = FrameDriver(base, 30)
    frames = asyncio.create_task(driver.run())
    stop = asyncio.Event()
    try:
        async with aiohttp.ClientSession() as http:
            status = await _shoot(base, http, driver, url, world, out, tmp, stop)
    finally:
        stop.set()
        driver.stop()
        await frames
        await server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return status


async def login_screen(base, http, driver, url: str, path: Path, cache: Path) -> None:
    session = Session(base, http, driver, Options(url=url, cache=cache))
    task = asyncio.create_task(session.run())
    while session.screen is None:
        await asyncio.sleep(0.05)
    await driver.frames_later(3)
    session.screenshot(path)
    session.quit()
    await task


async def _shoot(base, http, driver, url, world, out: Path, tmp: Path, stop: asyncio.Event) -> int:
    spec = world.spec
    await login_screen(base, http, driver, url, out / "login.png", tmp / "cache")
    # Hall: six pupils strolling around Léa.
    hall = await crowd(http, url, world, [f"bot-{i}" for i in range(1, 7)])
    spots = [(6.0, 7.0), (10.5, 6.5), (5.0, 10.0), (11.0, 10.5), (8.5, 11.5), (3.5, 6.0)]
    for conn, (x, y) in zip(hall, spots, strict=True):
        place(world, conn, "hall", x, y, 180.0)
    walking = asyncio.create_task(strollers(hall, world, stop))
    status = await visit(base, http, driver, url, "lea.martin", "hall", out / "hall.png", tmp / "cache")
    # Classroom 103: pupils at their desks, some with a hand up, the teacher at the board.
    room = spec.rooms["salle-103"]
    seats = [s for s in room.seats if s.id.startswith("salle-103-") and not s.id.endswith("prof")]
    pupils = await crowd(http, url, world, [f"bot-{i}" for i in range(10, 22)])
    for i, (conn, seat) in enumerate(zip(pupils, seats[1::2], strict=False)):
        place(world, conn, "salle-103", seat.x, seat.y, seat.heading)
        await pose(conn, world, Anim.HAND_UP if i % 5 == 2 else Anim.SIT)
    teacher = (await crowd(http, url, world, ["mme.durand"]))[0]
    place(world, teacher, "salle-103", 35.9, 13.6, 270.0)
    await write_lesson(teacher)
    scripts.SCRIPTS["shots-salle-103"] = arriving(world, "salle-103", seated_with_a_question)
    scripts.SCRIPTS["shots-amphi"] = arriving(world, "amphi", seated_in_the_amphitheatre)
    status |= await visit(base, http, driver, url, "lea.martin", "shots-salle-103", out / "classroom.png",
                          tmp / "cache")
    # Amphitheatre: an audience and a speaker at the lectern; a conference invitation opens it to Léa's class.
    amphi = spec.rooms["amphi"]
    audience = [f"bot-{i}" for i in range(30, 48)]
    await open_amphi(http, url)
    listeners = await crowd(http, url, world, audience)
    front = [s for s in amphi.seats if s.id.startswith(("amphi-g-1", "amphi-d-1", "amphi-g-2", "amphi-d-2"))]
    for conn, seat in zip(listeners, front[::1], strict=False):
        place(world, conn, "amphi", seat.x, seat.y, seat.heading)
        await pose(conn, world, Anim.SIT)
    speaker = (await crowd(http, url, world, ["m.bernard"]))[0]
    place(world, speaker, "amphi", 22.6, -5.6, 0.0)
    await pose(speaker, world, Anim.WAVE)
    status |= await visit(base, http, driver, url, "lea.martin", "shots-amphi", out / "amphitheatre.png",
                          tmp / "cache")
    stop.set()
    await asyncio.gather(walking, return_exceptions=True)
    for conn in [*hall, *pupils, teacher, *listeners, speaker]:
        await conn.close()
    return status


if __name__ == "__main__":
    import os

    from cybercollege.client import lighting

    lighting.LOOKS = os.environ.get("CYBERCOLLEGE_LOOKS", "full")
    display.configure(offscreen=True, size=SIZE)
    sys.exit(asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))))
