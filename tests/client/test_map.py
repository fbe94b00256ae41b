"""Key M: the plan with "you are here" where I stand, turned like me and following me; M and Escape close it; M
typed in the chat is a letter; a pupil's "go to my class", a teacher has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.client.i18n import tr
from cybercollege.client.ui.map import HERE, MapScreen
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot, shots  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]



def here_pixels(base, screen: MapScreen) -> int:
    """Pixels of the "you are here" colour around the marker, on the rendered window."""
    from tests.client.helpers import screenshot

    image = screenshot(base)
    w, h = image.get_x_size(), image.get_y_size()
    pos = screen.marker.get_pos(base.aspect2d)
    cx, cy = (pos[0] / base.getAspectRatio() + 1) / 2 * w, (1 - pos[2]) / 2 * h
    n = 0
    for x in range(int(cx) - 12, int(cx) + 13):
        for y in range(int(cy) - 12, int(cy) + 13):
            if 0 <= x < w and 0 <= y < h:
                r, g, b = image.get_xel(x, y)
                n += abs(r - HERE[0]) < 0.08 and abs(g - HERE[1]) < 0.08 and abs(b - HERE[2]) < 0.08
    return n


async def test_m_shows_where_i_am_and_follows_me(base, driver, server, http, tmp_path, shots):  # noqa: F811 - the journeys\' shots fixture
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        await keyboard.press(base, "m")
        await until(lambda: isinstance(session.screen, MapScreen), what="the map")
        screen, w = session.screen, session.view.walker
        assert screen.go is not None and screen.go["text"] == tr("map_go", room="Salle 103 – Anglais")
        assert screen.ring.current is screen.go  # Enter goes to my class
        px, pz = screen.to_map(w.x, w.y)
        marker = screen.marker.get_pos(screen.plan)
        assert (marker[0], marker[2]) == pytest.approx((px, pz), abs=1e-4)
        assert screen.marker.get_r() == pytest.approx(-w.heading)
        await save_shot(base, shots / "1-map-in-the-hall.png")
        assert here_pixels(base, screen) > 15
        hall_name = screen.plan.find("**/map-name-hall")
        assert not hall_name.is_empty()

        start_x, start_y = w.x, w.y
        await keyboard.hold(base, keyboard.FORWARD, 40)  # the map stays while I walk: the marker follows
        assert (w.x, w.y) != (start_x, start_y)
        await keyboard.frames(base, 2)
        marker = screen.marker.get_pos(screen.plan)
        assert (marker[0], marker[2]) == pytest.approx(screen.to_map(w.x, w.y), abs=1e-4)
        await keyboard.press(base, keyboard.LEFT)
        await keyboard.hold(base, keyboard.LEFT, 20)
        await keyboard.frames(base, 2)
        assert screen.marker.get_r() == pytest.approx(-w.heading)
        await save_shot(base, shots / "2-map-after-walking.png")

        await keyboard.press(base, "escape")
        await until(lambda: session.screen is None, what="Escape closes the map")
        await keyboard.press(base, "m")
        await until(lambda: isinstance(session.screen, MapScreen), what="the map again")
        await keyboard.press(base, "m")
        await until(lambda: session.screen is None, what="M closes the map")

        await keyboard.press(base, "enter")  # into the chat: M is a letter there
        await until(lambda: session.hud.entry["focus"], what="the chat field focused")
        for key in "mm":
            await keyboard.press(base, key)
        await keyboard.frames(base, 3)
        assert session.screen is None
        await save_shot(base, shots / "3-m-typed-in-the-chat.png")
    finally:
        await stop(session, task)


async def test_a_teacher_has_the_map_without_go_to_my_class(base, driver, server, http, tmp_path, shots):  # noqa: F811 - the journeys\' shots fixture
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path)
    try:
        await in_world(session)
        await keyboard.press(base, "m")
        await until(lambda: isinstance(session.screen, MapScreen), what="the map")
        assert session.screen.go is None and session.screen.ring.current is session.screen.close
        await save_shot(base, shots / "1-teacher-map.png")
        await keyboard.press(base, "enter")  # Close has the focus
        await until(lambda: session.screen is None, what="Enter on Close")
    finally:
        await stop(session, task)
