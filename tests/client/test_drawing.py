"""Drawing on the 3D board with the mouse: the teacher's stroke reaches a pupil live and shows in red."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from panda3d.core import Point2, Point3

from cybercollege.client import boards
from cybercollege.client.drawing import Stroke
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.session import Session
from cybercollege.protocol.whiteboard import StrokeBegin, StrokeEnd, StrokePoints
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_room, in_world, start, stop

RED = (0xD0 / 255, 0x10 / 255, 0x10 / 255)


def on_screen(base, session, x: int, y: int) -> tuple[float, float]:
    """Where board point (x, y) of tableau-103 is on the screen (-1..1), as the mouse would be."""
    panel = session.view.boards.panels["tableau-103"]
    p = base.cam.get_relative_point(panel.frame, Point3(*boards.board_point(panel.wb, x, y)))
    screen = Point2()
    assert base.camLens.project(p, screen), "the board point is in view"
    return screen.x, screen.y


async def pupil_in_103(http, server) -> WorldConnection:
    pupil = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "lea.martin"))
    await pupil.connect()
    world = server.world
    world.move_to(world.avatars[pupil.mirror.me], world.rooms["salle-103"], (40.0, 13.0, 90.0))
    await pupil.wait_for(lambda m: "tableau-103" in m.boards)
    return pupil


@contextlib.asynccontextmanager
async def teacher_at_the_board(base, server, http, driver, tmp_path) -> AsyncIterator[tuple[Session, WorldConnection]]:
    """Mme Durand's client in salle 103, facing its board with the toolbar shown, and Léa there (a plain
    connection) to see what she draws."""
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    pupil = await pupil_in_103(http, server)
    try:
        world = server.world
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
        await in_room(session, driver, "salle-103")
        await until(lambda: "tableau-103" in session.conn.mirror.boards, what="the board")
        await until(lambda: session.classroom.toolbar.shown, what="the toolbar shown to the teacher")
        yield session, pupil
    finally:
        await pupil.close()
        await stop(session, task)


async def test_the_teacher_draws_through_the_3d_board(base, server, http, driver, tmp_path):
    async with teacher_at_the_board(base, server, http, driver, tmp_path) as (session, pupil):
        toolbar = session.classroom.toolbar.buttons
        for key in ("colour_red", "width_thick"):  # as a click (or Tab + Enter) would
            toolbar[key]["command"](*toolbar[key]["extraArgs"])
        assert toolbar["colour_red"]["text"].startswith("[")

        sent: list[object] = []
        send, session.classroom.pen.send = session.classroom.pen.send, lambda msg: (sent.append(msg), send(msg))
        canvas = session.view.boards.panels["tableau-103"].canvas
        clears = []
        canvas.clear = lambda: clears.append(1)  # a whole repaint would call it

        path = [(1500 + i * 350, 1200 + (i % 5) * 120) for i in range(20)]
        assert session.classroom.pen.press(*on_screen(base, session, *path[0]))
        for point in path[1:]:
            session.classroom.pen.drag(*on_screen(base, session, *point))
            await asyncio.sleep(0.01)
        await pupil.wait_for(lambda m: any(len(s.points) >= 10 for s in m.boards["tableau-103"].live.values()))
        live = next(iter(pupil.mirror.boards["tableau-103"].live.values()))
        assert (live.colour, live.width) == (0xD01010, 200), "the pupil sees the stroke while it is drawn"
        session.classroom.pen.release()

        def ended(m) -> bool:
            return any(i.colour == 0xD01010 for i in m.boards["tableau-103"].items.values())

        await pupil.wait_for(ended)
        item = next(i for i in pupil.mirror.boards["tableau-103"].items.values() if i.colour == 0xD01010)
        got = list(zip(item.points[0::2], item.points[1::2], strict=True))
        assert all(abs(gx - x) <= 12 and abs(gy - y) <= 12 for (gx, gy), (x, y) in zip(got, path, strict=True))
        assert isinstance(sent[0], StrokeBegin) and isinstance(sent[-1], StrokeEnd)
        assert 1 <= sum(isinstance(m, StrokePoints) for m in sent) < len(path)  # batched at 60 Hz at most
        assert not clears, "the board was painted segment by segment, never repainted whole"
        assert canvas.colour_at(*path[10]) == (0xD0, 0x10, 0x10)

        await session.conn.wait_for(lambda m: m.boards["tableau-103"].acks)
        await driver.frames_later(3)
        red = count_pixels(screenshot(base), RED, tolerance=0.08)
        assert red > 100, f"the red stroke is visible on the teacher's board ({red} pixels)"


async def test_the_toolbar_follows_the_pen(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "mme.durand"))
    await teacher.connect()
    try:
        world = server.world
        world.move_to(world.avatars[teacher.mirror.me], world.rooms["salle-103"], (36.0, 12.5, 270.0))
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
        await in_room(session, driver, "salle-103")
        await until(lambda: "tableau-103" in session.conn.mirror.boards, what="the board")
        await driver.frames_later(2)
        assert not session.classroom.toolbar.shown and session.classroom.toolbar.root.is_hidden()
        assert not session.classroom.pen.press(*on_screen(base, session, 5000, 1500)), "no pen: no stroke"

        await teacher.give_pen("tableau-103", session.conn.mirror.me)
        await until(lambda: session.classroom.toolbar.shown, what="the toolbar once Léa holds the pen")
        assert "clear_page" not in session.classroom.toolbar.buttons, "a pupil never clears the board"
        assert all(b in session.hud.ring.widgets for b in session.classroom.toolbar.buttons.values()), "Tab reaches it"
        assert session.classroom.pen.press(*on_screen(base, session, 5000, 1500))
        session.classroom.pen.drag(*on_screen(base, session, 6000, 1500))
        session.classroom.pen.release()
        await teacher.wait_for(lambda m: m.boards["tableau-103"].items)

        await teacher.give_pen("tableau-103", session.conn.mirror.me, give=False)
        await until(lambda: not session.classroom.toolbar.shown, what="the toolbar hidden again")
    finally:
        await teacher.close()
        await stop(session, task)


async def test_strokes_the_server_lost_are_drawn_again_after_a_reconnect(base, server, http, driver, tmp_path):
    async with teacher_at_the_board(base, server, http, driver, tmp_path) as (session, pupil):
        pen = session.classroom.pen
        pen.colour = 0xD01010
        assert pen.press(*on_screen(base, session, 2000, 1000))
        pen.drag(*on_screen(base, session, 4000, 1000))
        pen.release()
        await until(lambda: not pen.unacked, what="the stroke acknowledged")
        saved = next(iter(pupil.mirror.boards["tableau-103"].items.values()))
        # As if the connection broke before the acknowledgement of the red stroke, and before the server
        # received a blue one:
        pen.unacked[90] = Stroke("tableau-103", 0, 0, 0xD01010, 30, list(saved.points))
        pen.unacked[91] = Stroke("tableau-103", 0, 0, 0x1F4FC8, 30, [1000, 2000, 3000, 2500])
        first = session.conn
        await first.drop()
        await until(lambda: session.conn is not first and not session.conn.closed, timeout=10,
                    what="a new connection")

        def colours(m) -> list[int]:
            return sorted(i.colour for i in m.boards["tableau-103"].items.values())

        await pupil.wait_for(lambda m: 0x1F4FC8 in colours(m))
        assert colours(pupil.mirror) == [0x1F4FC8, 0xD01010], "the lost stroke again, the saved one once"
        await until(lambda: not pen.unacked and not pen.resend, what="everything acknowledged")


async def test_a_rectangle_from_the_toolbar(base, server, http, driver, tmp_path):
    async with teacher_at_the_board(base, server, http, driver, tmp_path) as (session, pupil):
        toolbar, pen = session.classroom.toolbar.buttons, session.classroom.pen
        for key in ("shape_rect", "colour_blue", "width_medium"):
            toolbar[key]["command"](*toolbar[key]["extraArgs"])
        assert toolbar["shape_rect"]["text"].startswith("[") and not toolbar["tool_pen"]["text"].startswith("[")
        assert pen.press(*on_screen(base, session, 2000, 800))
        pen.drag(*on_screen(base, session, 5000, 1800))
        assert pen.preview is not None and not pen.preview.is_empty(), "the outline follows the mouse"
        pen.drag(*on_screen(base, session, 6000, 2400))
        pen.release()
        assert pen.preview is None

        await pupil.wait_for(lambda m: m.boards["tableau-103"].items)
        item = next(iter(pupil.mirror.boards["tableau-103"].items.values()))
        assert (item.kind, item.style, item.colour, item.width) == (1, 2, 0x1F4FC8, 80)
        assert all(abs(a - b) <= 12 for a, b in zip(item.points, [2000, 800, 6000, 2400], strict=True))
        canvas = session.view.boards.panels["tableau-103"].canvas
        await until(lambda: canvas.colour_at(4000, item.points[1]) == (0x1F, 0x4F, 0xC8), what="the top edge")
        assert canvas.colour_at(4000, 1600) != (0x1F, 0x4F, 0xC8), "an outline, not filled"

        toolbar["tool_pen"]["command"](*toolbar["tool_pen"]["extraArgs"])
        assert pen.shape is None and toolbar["tool_pen"]["text"].startswith("[")


async def test_text_written_on_the_board(base, server, http, driver, tmp_path):
    async with teacher_at_the_board(base, server, http, driver, tmp_path) as (session, pupil):
        toolbar = session.classroom.toolbar
        press = toolbar.buttons["tool_text"]
        press["command"](*press["extraArgs"])
        assert session.classroom.pen.press(*on_screen(base, session, 1500, 900))
        assert not toolbar.text_entry.is_hidden() and session.hud.typing, "typing: the keys do not walk"
        assert session.hud.ring.current is toolbar.text_entry
        toolbar.text_entry.enterText("Le présent simple")
        toolbar.text_entry["command"](toolbar.text_entry.get())  # Enter
        assert toolbar.text_entry.is_hidden() and not session.hud.typing

        await pupil.wait_for(lambda m: m.boards["tableau-103"].items)
        item = next(iter(pupil.mirror.boards["tableau-103"].items.values()))
        assert (item.kind, item.text, item.width) == (2, "Le présent simple", 520)  # drawing.text_size(30)
        assert abs(item.points[0] - 1500) <= 12 and abs(item.points[1] - 900) <= 12
        texts = session.view.boards.panels["tableau-103"].texts
        await until(lambda: texts.get_num_children() == 1, what="the text on the teacher's board")
        assert texts.get_child(0).node().get_text() == "Le présent simple"
