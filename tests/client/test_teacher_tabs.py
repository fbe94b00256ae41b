"""The teacher's panel as tabs: one tab's rows at a time, reached with Tab and Enter, each button focused."""

from __future__ import annotations

from pathlib import Path

from direct.gui.DirectGui import DirectButton, DirectEntry

from cybercollege.client.ui.teacher import TABS
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.journeys.keyboard import press

ROOT = Path(__file__).resolve().parents[2]


def shots(name: str) -> Path:
    folder = ROOT / "var" / "journeys" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def teacher_at(base, http, driver, server, tmp_path, place=(38.0, 15.0, 90.0), **options):
    """Mme Durand in salle 103 at ``place`` (facing the board), her client drawn there."""
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path, **options)
    await in_world(session)
    world = server.world
    world.move_to(world.avatars[session.conn.mirror.me], world.rooms["salle-103"], place)
    await until(lambda: session.view.walker.room.id == "salle-103" and abs(session.view.walker.x - place[0]) < 0.01,
                what="the teacher in salle 103")
    await driver.frames_later(2)
    return session, task


async def tab_to(session, widget, max_tabs: int = 80) -> None:
    """Tab until ``widget`` has the focus."""
    ring = session.hud.ring
    for _ in range(max_tabs):
        if ring.current is widget:
            return
        await press(session.base, "tab")
    raise AssertionError(f"Tab never reached {widget}")


async def open_tab(session, name: str) -> None:
    """Tab to the tab's button and press Enter, as a keyboard user does."""
    panel = session.classroom.panel
    await tab_to(session, panel.tabs[name])
    await press(session.base, "enter")
    await until(lambda: panel.tab == name, what=f"the {name} tab")


async def test_each_tab_shows_its_rows_and_every_button_gets_the_focus(base, server, http, driver, tmp_path):
    session, task = await teacher_at(base, http, driver, server, tmp_path)
    folder = shots("test_teacher_tabs")
    try:
        await press(base, "f2")
        panel = session.classroom.panel
        await until(lambda: panel.shown, what="the teacher's panel")
        ring = session.hud.ring
        for name in TABS:
            await open_tab(session, name)
            page = panel.pages[name]
            assert not page.frame.is_hidden() and all(panel.pages[o].frame.is_hidden() for o in TABS if o != name)
            assert not [w for o in TABS if o != name for w in panel.pages[o].focusable if w in ring.widgets], \
                "the hidden tabs' widgets are out of the Tab ring"
            controls = [w for w in page.focusable if isinstance(w, DirectButton | DirectEntry)]
            assert controls, f"the {name} tab has controls"
            focused = set()
            for _ in range(len(ring.widgets) + 1):
                await press(base, "tab")
                if ring.current in controls:
                    focused.add(id(ring.current))
                if len(focused) == len(controls):
                    break
            assert len(focused) == len(controls), f"Tab reaches each of the {len(controls)} controls of {name}"
            session.screenshot(folder / f"tab-{TABS.index(name) + 1}-{name}.png")
    finally:
        await stop(session, task)
