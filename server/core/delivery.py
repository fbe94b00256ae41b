"""One way out per connection: everything a client is sent, in one order, written by one task.

A :class:`Delivery` owns what waits for a client (its events, whether it needs a snapshot), turns it into
FRAMEs within the protocol's limits (:func:`~cybercollege.protocol.encode_frames`) and writes them with a
writer task of its own. Nobody awaits it: the tick, the whiteboard and the gateway only hand it bytes.

* :meth:`Delivery.push` — an event for the next tick's frame (chat, presence, errors...).
* :meth:`Delivery.push_now` — events that leave at once, in extra FRAMEs between ticks (board strokes),
  after everything pushed before them.
* :meth:`Delivery.answer` — a message of its own, not in a FRAME (PONG).
* :meth:`Delivery.tick_frames` — the tick's frames for this client, or nothing if it is slow.

**Slow clients.** A client is slow when its socket plus its queue hold ``send_buffer`` bytes, or one write
has waited more than :data:`STALLED_WRITE`. Then its position updates are dropped and it is marked stale:
its next frame carries a snapshot of what it sees instead (coalesced state). Its events are kept, up to
``max_pending_events`` events or :data:`MAX_PENDING_BYTES` bytes; past that, or after
``slow_client_seconds`` of being slow, it is closed with 4008 (docs/protocol.md §4).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from cybercollege.protocol import CloseCode, encode_frames

if TYPE_CHECKING:
    from cybercollege.server.config import Settings

STALLED_WRITE = 1.0
"""Seconds one write may take before the client counts as slow (writes normally end at once: the socket
buffers them; a write waits only when the socket is full, and then the client is slow anyway)."""
MAX_PENDING_BYTES = 16 * 1024 * 1024
"""Bytes of events kept for a slow client before it is closed (4008): a big board's snapshot fits."""
CLOSE_GRACE = 2.0
"""Seconds the last frames may take to leave before a closing connection is closed anyway."""


class Transport(Protocol):
    """What a delivery needs of a connection (the edge adapts a WebSocket to it)."""

    async def send(self, data: bytes) -> None:
        """Write one binary message; raise ConnectionError (or RuntimeError) if the connection is gone."""

    async def close(self, code: int, reason: str) -> None:
        """Close the connection with ``code``."""

    def buffered(self) -> int:
        """Bytes written but not yet taken by the network."""

    def is_closing(self) -> bool:
        """True once the connection is closing or closed."""


class Delivery:
    """The outgoing side of one connection."""

    def __init__(self, transport: Transport, settings: Settings) -> None:
        self.transport = transport
        self.pending: list[bytes] = []
        """Events not yet in a frame, in order."""
        self.pending_bytes = 0
        self.stale = True
        """The next frame must carry a snapshot of what the client sees (first frame, or after being slow)."""
        self.tick = 0
        """The tick of the last frame made for this client (extra frames carry it too)."""
        self.last_updates = 0
        """Updates in the last frames made (the snapshot's, after being slow)."""
        self.closing: tuple[int, str] | None = None
        self.slow_since: float | None = None
        self.frames: deque[bytes] = deque()
        """Encoded frames waiting for the writer."""
        self.queued_bytes = 0
        self.writing_since: float | None = None
        self._soon = False
        self._closer: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._send_buffer = settings.send_buffer
        self._max_pending = settings.max_pending_events
        self._slow_limit = settings.slow_client_seconds

    # --- what others hand in ----------------------------------------------------------------------

    def push(self, event: bytes) -> None:
        """Add an event (an encoded server message) to this client's next frame."""
        if self.closing is not None:
            return
        self.pending.append(event)
        self.pending_bytes += len(event)
        if len(self.pending) > self._max_pending or self.pending_bytes > MAX_PENDING_BYTES:
            self.pending.clear()
            self.pending_bytes = 0
            self.close_later(CloseCode.TOO_SLOW, "client too slow: too many undelivered events")

    def push_now(self, *events: bytes) -> None:
        """Add events that go out as soon as the event loop is free, in extra FRAMEs, after what is pending."""
        for event in events:
            self.push(event)
        if events and not self._soon and self.closing is None:
            self._soon = True
            asyncio.get_running_loop().call_soon(self._flush_soon)

    def answer(self, message: bytes) -> None:
        """Send ``message`` on its own (not in a FRAME) at once, after what is pending; a slow client gets
        nothing (a PONG that would wait measures nothing)."""
        if not self.writable():
            return
        if self.pending and not self.stale:
            self._queue_frames(encode_frames(self.tick, self._take_pending(), []))
        self.queue(message)

    # --- slowness -----------------------------------------------------------------------------------

    def writable(self) -> bool:
        """False when the socket or the queue already holds ``send_buffer`` bytes: the client is slow."""
        transport = self.transport
        if self.closing is not None or transport.is_closing():
            return False
        if self.writing_since is not None and time.monotonic() - self.writing_since > STALLED_WRITE:
            return False
        return transport.buffered() + self.queued_bytes < self._send_buffer

    def still_slow(self, now: float | None = None) -> None:
        """Called at each tick this client was too slow to be sent its frame; closes it past the bound."""
        now = time.monotonic() if now is None else now
        if self.slow_since is None:
            self.slow_since = now
        elif now - self.slow_since > self._slow_limit:
            self.close_later(CloseCode.TOO_SLOW, "client too slow: nothing delivered for too long")

    # --- the tick -------------------------------------------------------------------------------------

    def tick_frames(
        self,
        tick: int,
        events: list[bytes],
        updates: list[bytes],
        snapshot: Callable[[], list[bytes]],
        shared: list[list[bytes] | None] | None = None,
    ) -> list[bytes]:
        """This tick's frames for the client, empty if there is nothing or it is slow (then its events
        wait and its positions are coalesced). ``shared`` (a one-item list) caches the frames every
        member of a room gets when it has nothing of its own. The caller queues them (:meth:`queue`)."""
        self.tick = tick
        if not self.writable():
            for event in events:
                self.push(event)
            self.stale = True
            self.still_slow()
            return []
        self.slow_since = None
        if self.stale or self.pending:
            if self.stale:
                updates = snapshot()
                self.stale = False
            self.last_updates = len(updates)
            return encode_frames(tick, self._take_pending() + events, updates)
        if not events and not updates:
            return []
        self.last_updates = len(updates)
        if shared is None:
            return encode_frames(tick, events, updates)
        frames = shared[0]
        if frames is None:
            frames = shared[0] = encode_frames(tick, events, updates)
        return frames

    def _take_pending(self) -> list[bytes]:
        events, self.pending, self.pending_bytes = self.pending, [], 0
        return events

    def _flush_soon(self) -> None:
        """Write the pending events now (extra FRAMEs), unless the tick must go first or the client is slow:
        a stale client waits for its snapshot, a slow one for its socket (the tick will take them)."""
        self._soon = False
        if self.pending and not self.stale and self.writable():
            self._queue_frames(encode_frames(self.tick, self._take_pending(), []))

    # --- writing ------------------------------------------------------------------------------------

    def _queue_frames(self, frames: list[bytes]) -> None:
        for frame in frames:
            self.queue(frame)

    def queue(self, frame: bytes) -> None:
        """Write ``frame`` after those already queued; returns at once (the writer task does the waiting)."""
        if self.closing is not None:
            return
        self.frames.append(frame)
        self.queued_bytes += len(frame)
        FRAME_BYTES.observe(len(frame))
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            while self.frames:
                frame = self.frames[0]
                self.writing_since = time.monotonic()
                try:
                    await self.transport.send(frame)
                except (ConnectionError, RuntimeError):  # the connection is gone: nothing more to write
                    self.frames.clear()
                    self.queued_bytes = 0
                    return
                self.frames.popleft()  # counted until written: a write that never ends makes the client slow
                self.queued_bytes -= len(frame)
        finally:
            self._writer = self.writing_since = None
        if self.closing is not None:
            await self._close()
        elif self.pending and not self.stale:
            self._flush_soon()  # events that waited for the socket to drain

    async def flushed(self, timeout: float) -> None:
        """Return once every queued frame is written, or after ``timeout`` seconds."""
        writer = self._writer
        if writer is not None:
            await asyncio.wait([writer], timeout=timeout)

    # --- closing ------------------------------------------------------------------------------------

    def close_later(self, code: int, reason: str) -> None:
        """Close this connection soon (never awaited by the caller). What is pending leaves first, unless
        the client is too slow to take it."""
        if self.closing is not None:
            return
        if code != CloseCode.TOO_SLOW and self.pending and not self.stale and self.writable():
            self._queue_frames(encode_frames(self.tick, self._take_pending(), []))
        self.closing = (int(code), reason)
        self.pending, self.pending_bytes = [], 0
        loop = asyncio.get_running_loop()
        if self._writer is None or code == CloseCode.TOO_SLOW:
            self._closer = loop.create_task(self._close())
        else:  # the writer closes after its last frame; a write that never ends does not keep it open
            loop.call_later(CLOSE_GRACE, self._close_anyway)

    def _close_anyway(self) -> None:
        if self._closer is None and not self.transport.is_closing():
            self._closer = asyncio.get_running_loop().create_task(self._close())

    async def _close(self) -> None:
        if self.closing is None or self.transport.is_closing():
            return
        code, reason = self.closing
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.transport.close(code, reason)


class Histogram:
    """Counts of observations at or under each bound, their sum and count: they only grow (``rate()`` works).

    Plain numbers, read by /metrics (server/edge/metrics.py), cheap enough for every frame.
    """

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one: above every bound
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """``(bound, observations <= bound)`` for each bound, then ``(inf, count)``."""
        out, total = [], 0
        for bound, n in zip((*self.bounds, float("inf")), self.counts, strict=True):
            total += n
            out.append((bound, total))
        return out


FRAME_BYTES = Histogram((64, 256, 1024, 4096, 16384, 65536, 131072, 262144))
"""Sizes of the messages written to clients (frames, PONGs), in bytes, for the whole process."""
