"""A slide uploaded by the teacher shows behind the board's ink; the eraser brings the slide back."""

from __future__ import annotations

from panda3d.core import PNMImage, StringStream

from cybercollege.client import slides
from cybercollege.protocol.whiteboard import Tool
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop
from tests.client.test_drawing import on_screen

GREEN = (0x1A, 0xB2, 0x33)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    image = PNMImage(width, height, 3)
    image.fill(*(c / 255 for c in rgb))
    stream = StringStream()
    assert image.write(stream, "slide.png")
    return stream.get_data()


def near(colour: tuple[int, int, int], rgb: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, rgb, strict=True))


def test_decode_fits_the_picture_and_keeps_its_aspect():
    picture = slides.decode(png(400, 400, GREEN), 1024, 341)
    assert picture.shape == (341, 341, 4)
    b, g, r, a = picture[170, 170]
    assert near((r, g, b), GREEN) and a == 255


async def test_a_slide_behind_the_ink(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    await in_world(session)
    try:
        world = server.world
        world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], (38.0, 15.0, 90.0))
        await until(lambda: "tableau-103" in session.conn.mirror.boards, what="the board")
        headers = {"Authorization": f"Bearer {session.conn.token}"}
        async with http.post(f"{server.url}/api/boards/tableau-103/slides", data=png(900, 300, GREEN),
                             headers=headers) as r:
            assert r.status == 201, await r.text()
        canvas = session.view.boards.panels["tableau-103"].canvas
        await until(lambda: near(canvas.colour_at(5000, 1600), GREEN), what="the slide on the board")

        pen = session.classroom.pen
        pen.colour, pen.width = 0xD01010, 200
        assert pen.press(*on_screen(base, session, 2000, 1600))
        pen.drag(*on_screen(base, session, 8000, 1600))
        pen.release()
        assert canvas.colour_at(5000, 1600) == (0xD0, 0x10, 0x10)
        pen.tool = int(Tool.ERASER)
        assert pen.press(*on_screen(base, session, 4000, 1600))
        pen.drag(*on_screen(base, session, 6000, 1600))
        pen.release()
        assert near(canvas.colour_at(5000, 1600), GREEN), "the eraser shows the slide again"

        await until(lambda: not pen.unacked, what="both strokes saved")
        session.view.boards.mark("tableau-103")  # a whole repaint gives the same page
        await until(lambda: not session.view.boards.dirty, what="the repaint")
        assert near(canvas.colour_at(5000, 1600), GREEN) and canvas.colour_at(3000, 1600) == (0xD0, 0x10, 0x10)
        await driver.frames_later(3)
        green = count_pixels(screenshot(base), tuple(c / 255 for c in GREEN), tolerance=0.08)
        assert green > 500, f"the slide is visible on screen ({green} pixels)"
    finally:
        await stop(session, task)
