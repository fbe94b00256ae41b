"""The HUD line « Prochain cours : Mathématiques · Salle 103 · 10:00 » (today's next lesson of mine, from the
server's ``GET /api/lessons/next``) and its button, or the N key, to walk there with the autopilot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import aiohttp
from direct.gui.DirectGui import DirectFrame
from direct.gui.OnscreenText import OnscreenText
from direct.showbase.DirectObject import DirectObject
from panda3d.core import TextNode

from cybercollege.client import style
from cybercollege.client.i18n import tr
from cybercollege.client.ui import focus
from cybercollege.client.ui.focus import button

log = logging.getLogger("client")

REFRESH_S = 60.0
"""How often the line asks again (a lesson scheduled or cancelled meanwhile, the next one once this one ends)."""
KEY = "n"
TEXT_SCALE = 0.04


def line(lesson: dict, here: bool = False, now: datetime | None = None) -> str:
    """« Prochain cours : Mathématiques · Salle 103 · 10:00 »: the room's short name (before its dash); « En cours
    ici : Mathématiques · Salle 103 » once it has started and I am ``here``, in its room."""
    room = str(lesson.get("room_name") or lesson.get("room", "")).split(" – ")[0]
    if here and started(lesson, now or datetime.now(UTC)):
        return tr("next_lesson_here", title=lesson.get("title", ""), room=room)
    return tr("next_lesson", title=lesson.get("title", ""), room=room, time=lesson.get("start_local", ""))


def started(lesson: dict, now: datetime) -> bool:
    """The lesson's ``start`` (ISO 8601 with its offset) is past."""
    try:
        start = datetime.fromisoformat(str(lesson.get("start", "")))
    except ValueError:
        return False
    return start.tzinfo is not None and start <= now


class NextLesson:
    """Below the room's panel, top left; hidden when I have no lesson left today (or the server has no lessons)."""

    def __init__(self, session) -> None:
        self.session = session
        self.lesson: dict | None = None
        hud = session.hud
        self.frame = DirectFrame(parent=hud.top, frameColor=style.PANEL, frameSize=(0, 1.05, -0.17, 0),
                                 pos=(0, 0, -0.21))  # fmt: skip
        self.text = OnscreenText(parent=self.frame, text="", pos=(0.04, -0.06), scale=TEXT_SCALE, fg=style.TEXT,
                                 align=TextNode.A_left, mayChange=True)  # fmt: skip
        self.go = button(self.frame, tr("next_lesson_go"), self.go_there, (0.24, -0.13), width=0.4, scale=0.036,
                         ring=hud.ring)  # fmt: skip
        self.frame.hide()
        style.on_change(self.restyle)
        self.keys = DirectObject()
        self.keys.accept(KEY, self._key)
        self.task = asyncio.get_running_loop().create_task(self._poll())

    async def refresh(self) -> dict | None:
        """Ask the server now; show the answer."""
        conn = self.session.conn
        if conn is None or conn.closed:
            return self.lesson
        url = f"{self.session.options.url}/api/lessons/next"
        try:
            async with self.session.http.get(url, headers={"Authorization": f"Bearer {conn.token}"},
                                             timeout=aiohttp.ClientTimeout(total=10)) as response:  # fmt: skip
                if response.status != 200:
                    return self.lesson  # an older server (404), a token being refreshed (401): ask again later
                self.show((await response.json()).get("lesson"))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.info("next lesson: could not ask the server: %s", exc)
        return self.lesson

    def show(self, lesson: dict | None) -> None:
        self.lesson = lesson if isinstance(lesson, dict) else None
        if self.lesson is None:
            self.frame.hide()
            return
        here = self.here()
        text = line(self.lesson, here)
        self.text.setText(text)
        width = self.text.textNode.calc_width(text)
        self.text.setScale(max(0.03, min(TEXT_SCALE, 0.97 / width)) if width > 0 else TEXT_SCALE)  # fits the panel
        self.restyle()
        if here:
            self.go.hide()  # already in its room: nowhere to go, and the panel one line high
            self.frame["frameSize"] = (0, 1.05, -0.1, 0)
        else:
            self.go.show()
            self.frame["frameSize"] = (0, 1.05, -0.17, 0)
        self.frame.show()

    def here(self) -> bool:
        """I am in the room of my next lesson."""
        view = self.session.view
        walker = view.walker if view is not None else None
        room = walker.room if walker is not None else None
        return self.lesson is not None and room is not None and room.id == str(self.lesson.get("room", ""))

    def entered(self) -> None:
        """I changed rooms: the line says again where the lesson is, or that I am there."""
        if self.lesson is not None:
            self.show(self.lesson)

    def restyle(self) -> None:
        """The high-contrast option's colours (the HUD's corner scales it with the large-text one)."""
        self.frame["frameColor"] = style.PANEL
        self.text.setFg(style.TEXT)
        focus.repaint(self.go)

    def room(self):
        """The world's room of my next lesson, or None."""
        world = self.session.world
        if self.lesson is None or world is None:
            return None
        return world.rooms.get(str(self.lesson.get("room", "")))

    def go_there(self) -> None:
        room = self.room()
        if room is not None and not self.here():
            self.session.controls.walk_to(room)

    def _key(self) -> None:
        """N: only with no text field focused and no screen over the world (as the other shortcuts)."""
        if not focus.typing() and self.session.screen is None:
            self.go_there()

    async def _poll(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(REFRESH_S)

    def destroy(self) -> None:
        self.task.cancel()
        style.forget(self.restyle)
        self.keys.ignoreAll()
        with contextlib.suppress(ValueError):
            self.session.hud.ring.remove(self.go)
        self.go.destroy()
        self.frame.destroy()
