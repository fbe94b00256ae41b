"""Breakout groups on the 3D board: a pupil's client shows and draws on their group's board; a teacher picks one."""

from __future__ import annotations

import asyncio

from panda3d.core import Point2, Point3

from cybercollege.client import boards
from cybercollege.protocol.classroom import Breakout, BreakoutRecall, BreakoutStart
from tests.client.helpers import until
from tests.client.sessions import in_room, in_world, start, stop
from tests.client.test_teacher_panel import demo, press
from tests.client.test_teacher_tools import teacher_in_103

GROUP_1 = "tableau-103:groupe-1"


def on_screen(base, session, board: str, x: int, y: int) -> tuple[float, float]:
    """Where point (x, y) of the board shown on the room's board is on the screen (-1..1)."""
    panel = session.view.boards.panels[board]
    p = base.cam.get_relative_point(panel.frame, Point3(*boards.board_point(panel.wb, x, y)))
    screen = Point2()
    assert base.camLens.project(p, screen), "the board point is in view"
    return screen.x, screen.y


async def test_a_pupil_draws_on_the_group_board(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
    await in_room(session, driver, "salle-103")
    await until(lambda: "tableau-103" in session.view.boards.panels, what="the pupil in salle 103")
    teacher = await demo(http, server, "mme.durand", place=(42.0, 17.0, 90.0))
    hugo = await demo(http, server, "hugo.moreau", place=(40.0, 17.0, 90.0))
    chloe = await demo(http, server, "chloe.garcia", place=(40.0, 19.0, 90.0))
    try:
        pen, layer, lea = session.classroom.pen, session.view.boards, session.conn.mirror.me
        assert not pen.may_draw(), "no pen on the class board"
        await teacher.send(BreakoutStart(120, groups=[[lea, hugo.mirror.me], [chloe.mirror.me]]))
        await until(lambda: GROUP_1 in layer.panels and "tableau-103" not in layer.panels, what="the group board")
        assert layer.panels[GROUP_1].wb.id == "tableau-103", "shown on the room's board"
        await until(lambda: pen.may_draw(GROUP_1) and session.classroom.toolbar.shown, what="the group's pen")

        path = [(2000 + i * 300, 1500 + (i % 4) * 100) for i in range(12)]
        assert pen.press(*on_screen(base, session, GROUP_1, *path[0]))
        assert pen.board == GROUP_1
        for point in path[1:]:
            pen.drag(*on_screen(base, session, GROUP_1, *point))
            await asyncio.sleep(0.01)
        pen.release()

        def drawn(m) -> bool:
            return GROUP_1 in m.boards and any(len(i.points) >= 20 for i in m.boards[GROUP_1].items.values())

        await hugo.wait_for(drawn)  # the other member of the group
        await teacher.wait_for(drawn)
        assert not teacher.mirror.boards["tableau-103"].items, "nothing on the class board"
        assert GROUP_1 not in chloe.mirror.boards, "the other group does not see it"
        canvas = layer.panels[GROUP_1].canvas
        await until(lambda: canvas.colour_at(*path[6]) == (0x1A, 0x1A, 0x1A), what="the stroke on the 3D board")

        await teacher.send(BreakoutRecall())
        await until(lambda: "tableau-103" in layer.panels and GROUP_1 not in layer.panels, what="the class board")
        assert not pen.may_draw()
    finally:
        for conn in (chloe, hugo, teacher):
            await conn.close()
        await stop(session, task)


async def test_the_teacher_picks_a_group_board(base, server, http, driver, tmp_path):
    session, task = await teacher_in_103(base, http, driver, server, tmp_path)
    lea = await demo(http, server, "lea.martin")
    hugo = await demo(http, server, "hugo.moreau", place=(40.0, 17.0, 90.0))
    breakouts: list[Breakout] = []
    lea.mirror.listeners.append(lambda m: breakouts.append(m) if isinstance(m, Breakout) else None)
    try:
        panel, tools, layer = session.classroom.panel, session.classroom.tools, session.view.boards
        press(panel.toggle_button)
        press(panel.tabs["groups"])
        assert tools.buttons["board_next"] in session.hud.ring.widgets
        await until(lambda: len(tools.pupils()) == 2, what="the pupils")
        press(tools.buttons["groups_less"])
        press(tools.buttons["groups_less"])
        press(tools.buttons["breakout_start"])
        await lea.wait_for(lambda m: breakouts and breakouts[-1].active)
        groups = breakouts[-1].groups
        await until(lambda: all(g.board in session.conn.mirror.boards for g in groups), what="the group boards")
        assert tools.board_text.getText() == "Tableau de la classe" and "tableau-103" in layer.panels

        press(tools.buttons["board_next"])
        assert groups[0].board in layer.panels and tools.board_text.getText() == "Groupe 1"
        await lea.wait_for(lambda m: breakouts[-1].groups[0].teachers == [session.conn.mirror.me])
        assert session.classroom.pen.may_draw(groups[0].board), "teachers draw on every board"
        press(tools.buttons["board_next"])
        assert groups[1].board in layer.panels and tools.board_text.getText() == "Groupe 2"
        await lea.wait_for(lambda m: breakouts[-1].groups[1].teachers == [session.conn.mirror.me])
        press(tools.buttons["board_next"])
        assert "tableau-103" in layer.panels and tools.board_text.getText() == "Tableau de la classe"
        await lea.wait_for(lambda m: not any(g.teachers for g in breakouts[-1].groups))
        press(tools.buttons["board_prev"])
        assert groups[1].board in layer.panels

        press(tools.buttons["breakout_recall"])
        await lea.wait_for(lambda m: not breakouts[-1].active)
        await until(lambda: "terminé" in tools.breakout_text.getText(), what="the breakout ended")
        assert groups[1].board in layer.panels, "teachers keep the group boards after the recall"
        press(tools.buttons["board_next"])
        assert "tableau-103" in layer.panels and tools.board_text.getText() == "Tableau de la classe"
    finally:
        await hugo.close()
        await lea.close()
        await stop(session, task)
