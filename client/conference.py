"""The conference in the client: media (client/media.py), the big screen (client/screen.py), the
conference bar (client/ui/media.py) and the speakers, for one connection. Only active in conference rooms."""

from __future__ import annotations

import asyncio
import contextlib

import worlds
from client.media import ConferenceMedia
from client.screen import ScreenView
from client.sources import Devices
from client.speakers import Speakers
from client.ui.media import ConferenceBar
from protocol.conference import ConfRecord

_closing: set[asyncio.Task] = set()


class Conference:
    def __init__(self, base, parent, conn, devices: Devices) -> None:
        self.base, self.conn = base, conn
        self.speakers = Speakers(base.sfxManagerList[0]) if Speakers.available(base) else None
        self.media = ConferenceMedia(conn.send, conn.mirror.me, devices,
                                     play=self.speakers.play if self.speakers else None)
        conn.mirror.listeners.append(self.media.on_message)
        self.screen = ScreenView(base, parent, self.media.on_screen, lambda p: self.media.pictures.get(p))
        self.bar: ConferenceBar | None = None
        self._tasks: set[asyncio.Task] = set()

    def enter(self, room: worlds.Room | None) -> None:
        """My room changed: the screen of the new room; the bar only in a conference room."""
        self.screen.enter(room)
        conference = room is not None and room.access.policy == "conference"
        if conference and self.bar is None:
            self.bar = ConferenceBar(self.base, self.media, self._name, self._record)
        elif not conference:
            if self.bar is not None:
                self.bar.destroy()
                self.bar = None
            self.media.left_room()

    def _name(self, participant: int) -> str:
        member = self.conn.mirror.members.get(participant)
        return member.name if member is not None else str(participant)

    def _record(self, on: bool) -> None:
        task = asyncio.get_running_loop().create_task(self.conn.send(ConfRecord(on)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def destroy(self) -> None:
        """Take the screen and the bar down now; the peer connections close in a task."""
        with contextlib.suppress(ValueError):
            self.conn.mirror.listeners.remove(self.media.on_message)
        if self.bar is not None:
            self.bar.destroy()
            self.bar = None
        self.screen.destroy()
        if self.speakers is not None:
            self.speakers.stop()
        task = asyncio.get_running_loop().create_task(self.media.close())
        _closing.add(task)
        task.add_done_callback(_closing.discard)
