"""A lesson in collège A survives its process (issue 15): killed mid-lesson (SIGKILL), its standby takes the
collège over, Léa's client (the real Panda3D client, offscreen, driven by its keys) gets back in by itself, seated
at her desk in salle 103 (her teacher, back too, sees her so), and the board shows every stroke the server had
acknowledged; the pupils of collèges B and C never notice.

Real processes behind Debian's nginx: collège A and its standby, collèges B and C, one PostgreSQL database, one
Redis. How long Léa was away is printed (docs/scaling.md reports it); the test waits on conditions only.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cybercollege.client.mirror import BoardView
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.protocol.messages import Anim
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import Place
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.deploy.colleges import departement
from tests.deploy.nginx import DOMAIN, nginx
from tests.deploy.nginx import session as resolving_session
from tests.deploy.test_nginx import connect_through
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.test_pupil_walks_to_class import SEAT, map_to_my_class
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.test_lifecycle import free_port
from tests.server.waits import HANG, eventually

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

BOARD = "tableau-103"


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


async def test_a_lesson_survives_its_process(base, driver, http, tmp_path, shots, broker) -> None:
    async with fresh_pg_database() as database:
        async with Store(database.url, college="college-a") as store:  # Mme Durand was at the board last time
            await store.save_places([Place("demo:mme.durand", "salle-103", 36.0, 12.0, 270.0)])
        async with departement(tmp_path, database.url, broker.url, http, labels="abc") as dep:
            port = free_port()
            async with nginx(tmp_path / "nginx", port, dep.upstreams("a"), default="a"):
                await lesson(base, driver, http, tmp_path, shots, database.url, port, dep.serving["a"], dep.standby)


async def lesson(base, driver, http, tmp_path, shots, database: str, port: int, first: Process, standby: Process):
    front = f"http://127.0.0.1:{port}"  # the desktop client's address: collège A, through nginx
    session = Session(base, http, driver, Options(url=front, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    others: list[WorldConnection] = []
    try:
        await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
        await keyboard.log_in(session, "lea.martin")
        await in_world(session)
        await map_to_my_class(session, shots)
        seat = session.world.rooms["salle-103"].seat(SEAT)
        await keyboard.go_to(session, seat.x, seat.y, within=0.15)
        await keyboard.sit_down(session)
        await save_shot(base, shots / "2c-seated.png")

        teacher = WorldConnection(http, front, await fetch_demo_token(http, front, "mme.durand"))
        await teacher.connect()
        others.append(teacher)
        await teacher.wait_for(lambda m: m.room == "salle-103" and BOARD in m.boards, timeout=30)
        zigzags = [[x for i in range(8) for x in (1500 + 2500 * k + 250 * i, 900 + 900 * (i % 2))] for k in range(3)]
        cids = [await teacher.draw(BOARD, points, width=60) for points in zigzags]  # three strokes, in board units
        await teacher.wait_for(lambda m: all(c in m.boards[BOARD].acks for c in cids), timeout=30)  # all saved
        mirror = session.conn.mirror
        await until(lambda: len(mirror.boards[BOARD].items) == 3, what="the three strokes on Léa's board")

        async with resolving_session() as other_http:  # pupils of collèges B and C, in their own worlds
            for c, login in (("b", "hugo.moreau"), ("c", "ines.fournier")):
                others.append(await connect_through(other_http, f"http://{c}.{DOMAIN}:{port}", login))
            await saved_at(database, "demo:lea.martin", seat.x, seat.y)  # the place checkpoint has her seat
            await save_shot(base, shots / "3-lesson-before-the-crash.png")

            old = session.conn
            loop = asyncio.get_running_loop()
            await first.stop(signal.SIGKILL)  # collège A's process dies mid-lesson
            killed = loop.time()
            await until(lambda: session.conn is not old and session.view is not None
                        and session.conn.mirror.me in session.conn.mirror.members, timeout=90,
                        what="Léa's client back in by itself")  # fmt: skip
            print(f"Léa back in {loop.time() - killed:.1f} s after the SIGKILL")
            assert standby.said("standby: took over collège college-a")
            walker, mirror = session.view.walker, session.conn.mirror
            assert mirror.room == "salle-103" and walker.room.id == "salle-103"
            assert abs(walker.x - seat.x) < 0.05 and abs(walker.y - seat.y) < 0.05  # at her desk
            await until(lambda: BOARD in mirror.boards and len(mirror.boards[BOARD].items) == 3,
                        what="every acknowledged stroke on the board")  # fmt: skip
            assert walker.seated  # still seated in her client, and so for the others:
            back = await connect_through(http, front, "mme.durand")  # her client retries too (nginx: 502 meanwhile)
            others.append(back)
            me = mirror.me
            await back.wait_for(lambda m: me in m.avatars and m.avatars[me].anim == Anim.SIT
                                and len(m.boards.get(BOARD, BoardView()).items) == 3, timeout=30)  # fmt: skip
            await until(lambda: back.mirror.me in session.view.layer.views, what="Mme Durand back in Léa's view")
            await keyboard.frames(base, 10)
            await save_shot(base, shots / "4-back-at-her-desk.png")

            for pupil in others[1:3]:
                assert not pupil.closed  # collèges B and C never noticed
                await pupil.ping()
    finally:
        for conn in others:
            if conn is not None and not conn.closed:
                await conn.close()
        await stop(session, task)


async def saved_at(database: str, user_id: str, x: float, y: float) -> None:
    """Wait until the database has ``user_id`` at (x, y) (the serving process's place checkpoint)."""
    async with Store(database, college="college-a") as store:

        async def there() -> bool:
            place = await store.load_place(user_id)
            return place is not None and abs(place.x - x) < 0.05 and abs(place.y - y) < 0.05

        await eventually(there, "her place saved", 2 * HANG, every=0.2)  # a poll of the database
