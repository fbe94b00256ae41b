"""A room with whiteboards (a classroom): its board messages, live delivery and loading from the database.

Boards are loaded from the database at the first arrival (rooms are built synchronously, loading is
asynchronous, and a room nobody visits costs nothing). Until then board actions get
``BOARD_NOT_READY``; members get the whole board as soon as it is loaded. See docs/whiteboard.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from cybercollege import worlds
from cybercollege.protocol import ErrorCode
from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.answers import Answers
from cybercollege.server.classroom.breakout import Breakouts
from cybercollege.server.classroom.whiteboard.host import BoardHost, BoardRefused
from cybercollege.server.classroom.whiteboard.journal import Journal
from cybercollege.server.classroom.whiteboard.outbox import Outbox
from cybercollege.server.core.interest import Counters, Outgoing
from cybercollege.server.core.ratelimit import TokenBucket
from cybercollege.server.core.room import Room

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.session import Session

log = logging.getLogger("cybercollege.classroom")

LOAD_RETRY_S = 2.0


class Classroom(Room):
    """A :class:`Room` with one :class:`BoardHost` per whiteboard of its world definition."""

    def __init__(self, spec: worlds.Room, settings: Settings, counters: Counters, journal: Journal) -> None:
        self.journal = journal
        self.outbox = Outbox()
        self.buckets: dict[int, TokenBucket] = {}
        self.last_rate_error: dict[int, float] = {}
        self._loading: asyncio.Task[None] | None = None
        super().__init__(spec, settings, counters)

    def on_create(self) -> None:
        self.boards = {w.id: BoardHost(w, self.members, self.journal, self.outbox) for w in self.spec.whiteboards}
        self.answers = Answers(self)
        self.breakout = Breakouts(self)
        self.tools: dict[type, Callable[[Avatar, Any], None]] = {**self.answers.handlers(), **self.breakout.handlers()}
        """Messages of protocol/classroom.py: answer layers, breakout groups, call to the board."""

    def host(self, board_id: str) -> BoardHost | None:
        """The room's board, or a breakout group's board, named ``board_id``."""
        group = self.breakout.hosts.get(board_id)
        return self.boards.get(board_id) or (group.host if group is not None else None)

    def _hosts(self) -> Iterator[BoardHost]:
        yield from self.boards.values()
        yield from (g.host for g in self.breakout.groups)

    @property
    def loaded(self) -> bool:
        """The room's boards are loaded (or live in memory only): what they hold is what the room has."""
        return self.journal.storage is None or (self._loading is not None and self._loading.done())

    async def ready(self) -> None:
        """Wait until the room's boards are loaded from the database (HTTP tools need them)."""
        if self.journal.storage is None:
            return
        if self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._load(), name=f"load-{self.id}")
        await asyncio.shield(self._loading)

    def tell(self, event: bytes, who: Callable[[Avatar], bool] = lambda m: True) -> None:
        """Send ``event`` now (in order with the board events) to the members ``who`` picks."""
        self.outbox.send_all([m.session for m in self.members.values() if m.session is not None and who(m)], event)

    # --- arrivals and departures --------------------------------------------------------------------

    def on_join(self, a: Avatar) -> None:
        super().on_join(a)
        self._send_boards(a)
        self._pens_changed(a)
        self.answers.joined(a)
        self.breakout.joined(a)

    def on_resume(self, a: Avatar) -> None:
        super().on_resume(a)
        self._send_boards(a)
        self.answers.joined(a)
        self.breakout.joined(a)

    def on_leave(self, a: Avatar) -> None:
        if a.id not in self.members:
            return
        super().on_leave(a)
        if a.session is not None:
            self.outbox.forget(a.session)
        for host in self._hosts():
            host.drop_live(a)
        self._pens_changed(a)
        self.buckets.pop(a.id, None)

    def on_dispose(self) -> None:
        self.journal.stop()
        super().on_dispose()

    def _send_boards(self, a: Avatar) -> None:
        s = a.session
        if s is None:
            return
        self.outbox.forget(s)
        if self.journal.storage is not None and self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._load(), name=f"load-{self.id}")
        for host in self.boards.values():
            if host.loaded:
                self.outbox.send(s, *host.sync_events())

    def _pens_changed(self, a: Avatar) -> None:
        for host in self._hosts():
            if a.identity.user_id in host.pens:
                host.pens_changed()

    async def _load(self) -> None:
        storage = self.journal.storage
        assert storage is not None
        for host in self.boards.values():
            while not host.loaded:
                try:
                    await host.load(storage)
                except Exception:
                    log.warning("could not load whiteboard %s, will retry", host.id, exc_info=True)
                    await asyncio.sleep(LOAD_RETRY_S)
            for m in self.members.values():
                if m.session is not None:
                    self.outbox.send(m.session, *host.sync_events())

    # --- messages ----------------------------------------------------------------------------------

    def handle(self, a: Avatar, s: Session, msg: Any) -> None:
        """A board, answer or breakout message from a member (rate-limited per member)."""
        if not self._take(a):
            return
        tool = self.tools.get(type(msg))
        try:
            if tool is not None:
                tool(a, msg)
            else:
                self._board_for(a, msg.board).handle(a, msg)
        except BoardRefused as refused:
            s.error(refused.code, refused.message, msg.__protocol__.code)

    def _board_for(self, a: Avatar, board_id: str) -> BoardHost:
        host = self.boards.get(board_id)
        if host is not None:
            return host
        group = self.breakout.hosts.get(board_id)
        if group is None:
            raise BoardRefused(ErrorCode.UNKNOWN_BOARD, f"pas de tableau {board_id!r} dans {self.id}")
        if not group.audience.sees(a):
            raise BoardRefused(ErrorCode.NOT_ALLOWED, "c'est le tableau d'un autre groupe")
        return group.host

    def _take(self, a: Avatar) -> bool:
        """Spend one of ``a``'s board tokens; on refusal, an error at most once a second."""
        bucket = self.buckets.get(a.id)
        if bucket is None:
            bucket = self.buckets[a.id] = TokenBucket(W.BOARD_RATE, W.BOARD_BURST)
        if bucket.take():
            return True
        now = time.monotonic()
        if a.session is not None and now - self.last_rate_error.get(a.id, 0.0) >= 1.0:
            self.last_rate_error[a.id] = now
            a.session.error(ErrorCode.BOARD_RATE_LIMITED, "trop d'actions sur le tableau")
        return False

    # --- tick ----------------------------------------------------------------------------------------

    def flush(self, tick: int, out: Outgoing) -> None:
        self.breakout.tick(time.monotonic())
        super().flush(tick, out)
