"""The conference in the client: media (client/media.py), the room's screen (client/screen.py), the panels
above publishers' heads (client/panels.py), the conference bar (client/ui/media.py) and the speakers, for one
connection. Active while the server includes me: in a conference room, or in a room a host linked to it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from cybercollege import worlds
from cybercollege.client import audiozone
from cybercollege.client.media import ConferenceMedia
from cybercollege.client.panels import PanelLayer
from cybercollege.client.screen import ScreenView
from cybercollege.client.sources import Devices
from cybercollege.client.speakers import Speakers
from cybercollege.client.ui.linkrooms import linkable
from cybercollege.client.ui.media import ConferenceBar
from cybercollege.protocol.conference import ConfLink, ConfRecord

_closing: set[asyncio.Task] = set()


class Conference:
    def __init__(self, base, parent, conn, devices: Devices,
                 where: Callable[[], audiozone.Position | None] | None = None, ring=None) -> None:
        self.base, self.conn = base, conn
        self.ring = ring  # the HUD's Tab ring, for the conference bar's buttons
        self.where = where or (lambda: None)  # where I stand (my walker), for the zone's audio
        self.room: worlds.Room | None = None  # my room: its audio policy (client/audiozone.py)
        self.speakers = Speakers(base.sfxManagerList[0]) if Speakers.available(base) else None
        self.media = ConferenceMedia(conn.send, conn.mirror.me, devices,
                                     play=self.speakers.play if self.speakers else None, gain=self._gain,
                                     name=lambda: self._name(conn.mirror.me))
        conn.mirror.listeners.append(self.media.on_message)
        self.screen = ScreenView(base, parent, self.media.on_screen, lambda p: self.media.pictures.get(p))
        self.bar: ConferenceBar | None = None
        self._tasks: set[asyncio.Task] = set()
        self.world: worlds.World | None = None  # set by the session: the rooms a host may include
        self.panels = PanelLayer(base, parent.find("avatars"), self.media.on_screen,
                                 lambda p: self.media.pictures.get(p), lambda: conn.mirror.me,
                                 lambda: self.where() or conn.mirror.position[:2])
        self.follow = base.taskMgr.add(self._follow, "conference-follow")

    def enter(self, room: worlds.Room | None) -> None:
        """My room changed: its screen; the conference starts afresh (the server includes me again, before
        or after its ROOM message: CONF_ICE, CONF_ROLE... come after it, in order with the reset)."""
        self.room = room
        self.screen.enter(room)
        self.panels.clear()
        self.media.left_room()

    def _follow(self, task):
        """The bar while the server includes me (client/media.py ``joined``)."""
        joined = self.media.joined
        if joined and self.bar is None:
            rooms = linkable(self.world, self.media.conference or self.conn.mirror.room) if self.world else []
            self.bar = ConferenceBar(self.base, self.media, self._name, self._record, self._link, rooms,
                                     self._origin, self.ring)
        elif not joined and self.bar is not None:
            self.bar.destroy()
            self.bar = None
        return task.cont

    def _origin(self) -> str:
        """The conference room's name when I follow it from another room, else ""."""
        conference = self.media.conference
        if not conference or conference == self.conn.mirror.room:
            return ""
        room = self.world.rooms.get(conference) if self.world else None
        return room.name if room is not None else conference

    def _gain(self, participant: int) -> float:
        """How loud to play ``participant`` where I stand (client/audiozone.py)."""
        m = self.conn.mirror
        listener = self.where() or m.position[:2]
        return audiozone.gain(self.room, listener, audiozone.position(participant, m.avatars, m.members))

    def _name(self, participant: int) -> str:
        member = self.conn.mirror.members.get(participant)
        return member.name if member is not None else str(participant)

    def _record(self, on: bool) -> None:
        self._send(ConfRecord(on))

    def _link(self, room: str, linked: bool) -> None:
        self._send(ConfLink(room, linked))

    def _send(self, msg) -> None:
        task = asyncio.get_running_loop().create_task(self.conn.send(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def destroy(self) -> None:
        """Take the screen and the bar down now; the peer connections close in a task."""
        with contextlib.suppress(ValueError):
            self.conn.mirror.listeners.remove(self.media.on_message)
        self.base.taskMgr.remove(self.follow)
        if self.bar is not None:
            self.bar.destroy()
            self.bar = None
        self.panels.destroy()
        self.screen.destroy()
        if self.speakers is not None:
            self.speakers.stop()
        task = asyncio.get_running_loop().create_task(self.media.close())
        _closing.add(task)
        task.add_done_callback(_closing.discard)
