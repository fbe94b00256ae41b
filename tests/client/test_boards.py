"""What the teacher writes on the whiteboard appears on the board in the pupils' 3D classroom."""

from __future__ import annotations

from cybercollege.client import boards
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.worlds import Whiteboard
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop


def test_board_coordinates_start_top_left_seen_from_the_front():
    wb = Whiteboard("b", "r", 0.0, 0.0, 1.5, 3.6, 1.2, 270.0)
    assert boards.board_point(wb, 0, 0) == (1.8, boards.SURFACE, 0.6)  # the viewer's left is local +x
    x, _, z = boards.board_point(wb, 10_000, 3_333)
    assert abs(x + 1.8) < 1e-9 and abs(z + 0.6) < 0.001


async def test_a_teachers_stroke_shows_on_the_board(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "mme.durand"))
    await teacher.connect()
    try:
        world = server.world
        lea = world.avatars[session.conn.mirror.me]
        world.move_to(world.avatars[teacher.mirror.me], world.rooms["salle-103"], (36.0, 12.5, 270.0))
        world.move_to(lea, world.rooms["salle-103"], (41.0, 15.0, 90.0))  # at the back, facing the board
        await until(lambda: session.view.walker.room.id == "salle-103", what="Léa in salle 103")
        await teacher.wait_for(lambda m: "tableau-103" in m.boards)
        points = [x for i in range(21) for x in (1000 + i * 400, 1700)]
        await teacher.draw("tableau-103", points, colour=0xD01010, width=160)
        await until(lambda: session.conn.mirror.boards.get("tableau-103")
                    and session.conn.mirror.boards["tableau-103"].items, what="the stroke in Léa's mirror")
        def inked() -> bool:
            return session.view.boards.painted("tableau-103") > 0

        await until(inked, what="the stroke drawn")
        await driver.frames_later(3)
        red = count_pixels(screenshot(base), (0xD0 / 255, 0x10 / 255, 0x10 / 255), tolerance=0.08)
        assert red > 20, f"the red stroke is visible on the board ({red} pixels)"
    finally:
        await teacher.close()
        await stop(session, task)
