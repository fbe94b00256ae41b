"""The classroom feature: rooms with whiteboards become classrooms; board, answer and breakout messages go to the
sender's classroom; the teacher's tools work in every room; slides and board exports are HTTP routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cybercollege import worlds
from cybercollege.protocol import ErrorCode
from cybercollege.server import sandbox
from cybercollege.server.classroom import export, slides
from cybercollege.server.classroom.answers import ANSWER_MESSAGES
from cybercollege.server.classroom.breakout import BREAKOUT_MESSAGES
from cybercollege.server.classroom.rooms import Classroom
from cybercollege.server.classroom.whiteboard import retention
from cybercollege.server.classroom.whiteboard.host import MESSAGES
from cybercollege.server.classroom.whiteboard.journal import Journal
from cybercollege.server.classroom.whiteboard.storage import BoardStorage
from cybercollege.server.core.feature import Feature, Handler, Route
from cybercollege.server.core.room import Room

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session
    from cybercollege.server.core.world import World
    from cybercollege.server.persistence import Store, WriteBehind

log = logging.getLogger("cybercollege.classroom")


class Classrooms(Feature):
    """Rooms with whiteboards become :class:`Classroom`; board, answer and breakout messages go to the sender's
    classroom; slides and board exports are its HTTP routes (server/classroom/slides.py, export.py)."""

    name = "classroom"

    def __init__(self, writer: WriteBehind | None) -> None:
        self.writer = writer
        self.journal = Journal(BoardStorage(writer.store) if writer is not None else None)
        """The world's whiteboard journal: in the writer's database, or in memory without one."""
        self._retention: asyncio.Task[None] | None = None

    def room(self, spec: worlds.Room) -> Room | None:
        if not spec.whiteboards:
            return None
        return Classroom(spec, self.world.settings, self.world.counters, self.journal)

    def handlers(self) -> Mapping[type, Handler]:
        return {kind: self._in_classroom for kind in (*MESSAGES, *ANSWER_MESSAGES, *BREAKOUT_MESSAGES)}

    def bind(self, world: World) -> None:
        super().bind(world)
        self.sandbox = sandbox.from_settings(world.settings)
        """Where slides are converted and exports drawn (worker processes, started at the first job)."""

    def routes(self) -> Iterable[Route]:
        return (*slides.routes(self.world, self.store, self.sandbox),
                *export.routes(self.world, self.store, self.sandbox))  # fmt: skip

    async def start(self) -> None:
        if self.writer is not None:
            self._retention = asyncio.create_task(self._purge_hourly(self.writer.store), name="slide-retention")

    async def stop(self) -> None:
        if self._retention is not None:
            self._retention.cancel()
        await self.sandbox.close()

    async def _purge_hourly(self, store: Store) -> None:
        """Slide images no board shows any more go (server/classroom/whiteboard/retention.py)."""
        while True:
            try:
                await retention.purge_unshown(store)
            except Exception as exc:
                log.warning("slide image retention failed: %s", type(exc).__name__)
            await asyncio.sleep(3600)

    @property
    def store(self) -> Store:
        assert self.writer is not None, "the HTTP routes need a database"
        return self.writer.store

    def _in_classroom(self, a: Avatar, s: Session, msg: Any) -> None:
        room = a.room
        if isinstance(room, Classroom):
            room.handle(a, s, msg)
        else:
            s.error(ErrorCode.UNEXPECTED_MESSAGE, f"pas de tableau dans {room.spec.name}", msg.__protocol__.code)
