"""Board events go out at once, in extra FRAMEs between ticks, so a stroke is seen live.

The world tick (20 Hz) would add up to 50 ms to every point of a stroke. Instead each member has a
queue of encoded board events, and a pump writes them as soon as the event loop is free:
``FRAME [tick, events, []]`` (current tick, no position updates), at most ``FRAME_BYTES`` each, so
a 10,000-stroke board reaches a late joiner in a few dozen frames.

Order is kept: a member whose regular frame has not gone out yet (events pending, or its first
snapshot) waits for the tick, and a slow member (socket full) waits until it drains, like the tick.
Frames for members with the same queue (the usual case: one live event for everyone) are encoded once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from cybercollege.protocol import CloseCode, encode_frame
from cybercollege.protocol import limits as L

if TYPE_CHECKING:
    from cybercollege.server.core.session import Session

FRAME_BYTES = 48 * 1024
"""Most event bytes in one extra frame (well under the session's send buffer)."""
RETRY_S = 0.005
"""Pause before retrying members that wait for the tick or for their socket."""
MAX_QUEUED = 4096
"""Board events queued for one member before it is closed as too slow (4008), like the tick's events."""


class Outbox:
    """Per-session queues of board events, and the task that writes them."""

    def __init__(self, tick: Callable[[], int]) -> None:
        self.tick = tick
        self.queues: dict[Session, deque[bytes]] = {}
        self.frames = 0
        self._task: asyncio.Task[None] | None = None

    def send(self, session: Session, *events: bytes) -> None:
        """Queue events for one session."""
        self._queue(session).extend(events)
        self._check(session)
        self._kick()

    def send_all(self, sessions: list[Session], event: bytes) -> None:
        for s in sessions:
            self._queue(s).append(event)
            self._check(s)
        if sessions:
            self._kick()

    def _queue(self, session: Session) -> deque[bytes]:
        queue = self.queues.get(session)
        if queue is None:
            queue = self.queues[session] = deque()
        return queue

    def _check(self, session: Session) -> None:
        if len(self.queues[session]) > MAX_QUEUED:
            del self.queues[session]
            session.close_later(CloseCode.TOO_SLOW, "client too slow: too many undelivered board events")

    def forget(self, session: Session) -> None:
        """Drop what is queued for ``session`` (it left the room, or gets a fresh snapshot)."""
        self.queues.pop(session, None)

    def _kick(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._pump(), name="whiteboard-outbox")

    async def _pump(self) -> None:
        try:
            while self.queues:
                progressed = self._pass()
                if self.queues:
                    await asyncio.sleep(0 if progressed else RETRY_S)
        finally:
            self._task = None

    def _pass(self) -> bool:
        """Queue what each member can take now; True if anything was queued."""
        shared: dict[tuple[int, ...], tuple[bytes, list[bytes]]] = {}  # events kept alive: ids stay unique
        progressed = False
        for s, queue in list(self.queues.items()):
            if s.closing or s.transport is None or s.transport.is_closing():
                self.queues.pop(s, None)
                continue
            if s.pending or s.stale:
                continue  # its regular frame goes first, at the tick
            while queue and s.writable():
                events = _take(queue)
                key = tuple(map(id, events))
                if key not in shared:
                    shared[key] = (encode_frame(self.tick(), events, []), events)
                frame = shared[key][0]
                self.frames += 1
                progressed = True
                s.queue(frame)  # the connection's only way out, after its tick frames
            if not queue and self.queues.get(s) is queue:
                del self.queues[s]
        return progressed


def _take(queue: deque[bytes]) -> list[bytes]:
    events = [queue.popleft()]
    size = len(events[0])
    while queue and len(events) < L.MAX_EVENTS_PER_FRAME and size + len(queue[0]) <= FRAME_BYTES:
        size += len(queue[0])
        events.append(queue.popleft())
    return events
