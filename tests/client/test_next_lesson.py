"""The HUD's « Prochain cours » line: today's next lesson of my class from the server, and N (or its button)
walks me there with the autopilot; none shown when I have no lesson left today, nor while I type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cybercollege.client.i18n import tr
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.lessons.model import Checked
from tests.client.helpers import until
from tests.client.sessions import in_room, in_world, start, stop
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot, shots  # noqa: F401 - a fixture


async def schedule(server, title: str = "Mathématiques") -> None:
    """Mme Durand's lesson for 4A in Salle 103, going on now (as the portal schedules it)."""
    lessons = server.world.features.get(Lessons)
    teacher = server.app[DEMO_DIRECTORY].users["mme.durand"]
    now = datetime.now(UTC)
    await lessons.create(teacher, Checked("4A", "salle-103", now - timedelta(minutes=5), now + timedelta(minutes=50),
                                          title))  # fmt: skip


async def test_the_next_lesson_shows_and_n_walks_me_there(base, driver, server, http, tmp_path, shots) -> None:  # noqa: F811
    await schedule(server)
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        shown = session.next_lesson
        assert shown is not None
        await until(lambda: not shown.frame.isHidden(), what="the next lesson's line")
        text = shown.text.getText()
        assert text.startswith("Prochain cours : Mathématiques · Salle 103 · ") and text[-5:-2].endswith(":")
        assert shown.go["text"] == tr("next_lesson_go")
        assert session.view.walker.room.id != "salle-103"
        await save_shot(base, shots / "1-next-lesson-in-the-hall.png")

        await keyboard.press(base, "enter")  # typing in the chat: N is a letter
        await until(lambda: session.hud.entry["focus"], what="the chat focused")
        await keyboard.press(base, "n")
        await keyboard.frames(base, 3)
        assert session.controls.autopilot is None
        await keyboard.press(base, "escape")
        await until(lambda: not session.hud.typing, what="the chat left")

        await keyboard.press(base, "n")
        await until(lambda: session.controls.autopilot is not None, what="the autopilot on its way")
        await in_room(session, driver, "salle-103")
        await until(lambda: shown.text.getText() == "En cours ici : Mathématiques · Salle 103", what="« En cours ici »")
        assert shown.go.isHidden()  # nowhere to go: she is there
        await save_shot(base, shots / "2-in-salle-103.png")
    finally:
        await stop(session, task)


async def test_no_line_without_a_lesson_today(base, driver, server, http, tmp_path) -> None:
    session, task = await start(base, http, driver, server.url, "nathan.roux", tmp_path)  # 5B: no lesson
    try:
        await schedule(server)
        await in_world(session)
        shown = session.next_lesson
        assert shown is not None and await shown.refresh() is None
        assert shown.frame.isHidden()
        await keyboard.press(base, "n")
        await keyboard.frames(base, 3)
        assert session.controls.autopilot is None
    finally:
        await stop(session, task)


async def test_the_line_follows_large_text_and_high_contrast(base, driver, server, http, tmp_path) -> None:
    from cybercollege.client import style

    await schedule(server)
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        shown = session.next_lesson
        assert shown is not None
        await until(lambda: not shown.frame.isHidden(), what="the next lesson's line")
        before = shown.text.get_transform(base.aspect2d).get_scale()[0]
        style.configure(True, True)
        await keyboard.frames(base, 2)
        assert tuple(shown.frame["frameColor"]) == tuple(style.PANEL) and tuple(
            shown.text.textNode.get_text_color()
        ) == tuple(style.TEXT)
        assert shown.text.get_transform(base.aspect2d).get_scale()[0] > before  # grows with the HUD's corner
    finally:
        style.configure(False, False)
        await stop(session, task)
