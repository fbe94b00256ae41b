"""The server stays the authority: corrections, and resuming a lost connection."""

from __future__ import annotations

from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop


async def test_a_refused_move_is_corrected(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    try:
        view, mirror = session.view, session.conn.mirror
        home = (view.walker.x, view.walker.y)
        view.walker.x, view.walker.y = 20.0, 9.5  # a bad prediction: through the hall's east wall
        await until(lambda: mirror.corrections, what="a correction")
        await until(lambda: (round(view.walker.x, 2), round(view.walker.y, 2)) == (round(home[0], 2),
                                                                                     round(home[1], 2)),
                    what="back where the server says")
        assert view.walker.room.id == "hall"
        assert view.me.root.get_x() == view.walker.x
    finally:
        await stop(session, task)


async def test_a_lost_connection_is_resumed(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    try:
        first = session.conn
        me = first.mirror.me
        await first.drop()  # the network goes away without a goodbye
        await until(lambda: session.conn is not first and not session.conn.closed, timeout=10,
                    what="a new connection")
        await until(lambda: session.view is not None and session.view.walker is not None, what="the world")
        await until(lambda: session.hud.status.getText().endswith("Connecté"), what="the status back to connected")
        assert session.conn.mirror.me == me, "the same avatar, resumed"
    finally:
        await stop(session, task)
