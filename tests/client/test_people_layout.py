"""The people list never covers the big screen: at 800×600 and in a wide window, from several places in the
amphitheatre and in a classroom, the screen's corners are projected through the camera's lens to window
pixels and compared with the list's frame (also in pixels); screenshots in var/journeys/<test>/."""

from __future__ import annotations

from pathlib import Path

from panda3d.core import Point2, Point3

from cybercollege.client import screen as screen_module
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.ui import layout
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import into_amphi
from tests.server.test_invitation import invite

SHOTS = Path("var/journeys/test_people_list_keeps_off_the_screen")
SIZES = ((800, 600), (1600, 600))
PLACES = {"amphi": ((26.0, 6.0, 180.0), (18.0, 6.0, 160.0), (34.0, 2.0, 200.0), (26.0, -1.0, 180.0)),
          "salle-103": None}


def resize(base, size: tuple[int, int]) -> None:
    base.win.set_size(*size)
    base.graphicsEngine.render_frame()
    base.adjustWindowAspectRatio(base.getAspectRatio())


def screen_pixels(base, root, width: float, height: float) -> tuple[float, float, float, float] | None:
    """The screen surface's bounds in window pixels (left, right, top, bottom), None if not in front."""
    w, h = base.win.get_x_size(), base.win.get_y_size()
    xs, ys = [], []
    for dx in (-width / 2, width / 2):
        for dz in (-height / 2, height / 2):
            p = base.cam.get_relative_point(root, Point3(dx, -screen_module.SURFACE, dz))
            if p.y <= base.camLens.get_near():
                return (0, w, 0, h)  # partly behind the camera: count it as everywhere
            film = Point2()
            base.camLens.project(p, film)
            xs.append((film.x + 1) / 2 * w)
            ys.append((1 - film.y) / 2 * h)
    if max(xs) < 0 or min(xs) > w or max(ys) < 0 or min(ys) > h:
        return None
    return (min(xs), max(xs), min(ys), max(ys))


def list_pixels(base, rect: layout.Rect) -> tuple[float, float, float, float]:
    w, h, aspect = base.win.get_x_size(), base.win.get_y_size(), base.getAspectRatio()
    left, right, bottom, top = rect
    return ((left / aspect + 1) / 2 * w, (right / aspect + 1) / 2 * w, (1 - top) / 2 * h, (1 - bottom) / 2 * h)


def apart(a, b) -> bool:
    return a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]


async def test_people_list_keeps_off_the_screen(base, server, http, driver, tmp_path):
    status, _ = await invite(http, server)  # the amphitheatre opens to 4A
    assert status == 201
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    others = []
    try:
        await in_world(session)
        for login in ("hugo.moreau", "mme.durand"):  # a few people in the list
            conn = WorldConnection(http, server.url, await fetch_demo_token(http, server.url, login))
            await conn.connect()
            others.append(conn)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shown = 0
        for size in SIZES:
            resize(base, size)
            for room_id, places in PLACES.items():
                for i, place in enumerate(places or [None]):
                    me = session.conn.mirror.me
                    if room_id == "amphi":
                        for conn in others:
                            await into_amphi(server, conn.mirror.me, (20.0 + 3 * others.index(conn), 3.0, 180.0))
                        await into_amphi(server, me, place)
                    else:
                        world = server.world
                        room = world.rooms[room_id]
                        room.on_auth(world.avatars[me].identity)
                        world.move_to(world.avatars[me], room, room.spec.spawn_points[0])
                    await until(lambda rid=room_id: session.view.walker is not None
                                and session.view.walker.room.id == rid, what=f"me in {room_id}")
                    await driver.frames_later(20)  # the camera has followed; the list has been laid out
                    session.hud.layout_people()
                    await driver.frames_later(2)
                    spec = session.view.walker.room.screen
                    screen = screen_pixels(base, session.conference.screen.root, spec.width, spec.height)
                    frame = session.hud.people.frame
                    session.screenshot(SHOTS / f"{size[0]}x{size[1]}-{room_id}-{i}.png")
                    if frame is None:
                        assert screen is not None, "the list hides only when the screen leaves it no room"
                        continue
                    shown += 1
                    column = list_pixels(base, frame)
                    assert screen is None or apart(screen, column), (size, room_id, place, screen, column)
        assert shown >= 6, "the list is shown in most places"
    finally:
        resize(base, (640, 360))
        for conn in others:
            await conn.close()
        await stop(session, task)


def test_the_column_goes_beside_below_or_away():
    aspect = 16 / 9
    width = layout.column_width(aspect)
    full = layout.column(aspect, None)
    assert full == (aspect - width, aspect, layout.BOTTOM, 1.0)
    assert layout.column(aspect, (-1.0, 0.5, 0.0, 1.0)) == full, "a screen on the left leaves the column alone"
    beside = layout.column(aspect, (-1.0, 1.0, 0.2, 1.0))  # a screen at the top reaching under the column
    below = layout.column(aspect, (-1.0, aspect, 0.3, 1.0))  # the whole top: the column goes under it
    assert beside is not None and beside[0] >= 1.0 + layout.GAP and not layout.overlap(beside, (-1.0, 1.0, 0.2, 1.0))
    assert below is not None and below[3] <= 0.3 - layout.GAP and below[2] >= layout.BOTTOM
    assert layout.column(aspect, (-aspect, aspect, -1.0, 1.0)) is None, "a screen over everything: hidden"
    assert layout.column_width(4 / 3) < layout.column_width(16 / 9) <= 0.9, "narrow windows: a narrower column"
