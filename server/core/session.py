"""One client connection as the world sees it: its outgoing events, rate limits and backpressure.

Every frame for a client leaves through :meth:`Session.queue`, its only way out: a writer task of its own
writes them in order, so the tick never waits for a client. Nothing is ever queued without bound: a client
is slow when its socket or its queue holds ``send_buffer`` bytes; then position state is coalesced (it
later gets one snapshot of what it sees), events (chat, presence...) are capped by ``max_pending_events``,
and a client slow for ``slow_client_seconds`` in a row is closed (4008).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import deque
from typing import TYPE_CHECKING

from aiohttp import web

from cybercollege.protocol import CloseCode, ErrorCode, encode
from cybercollege.protocol.messages import Error
from cybercollege.server.core.ratelimit import TokenBucket

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar

STALLED_WRITE = 1.0
"""Seconds one write may take before the client counts as slow (writes normally end at once: the socket
buffers them; a write waits only when the socket is full, and then the client is slow anyway)."""


class Session:
    """Created by the gateway after a successful handshake; attached to exactly one avatar."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, settings: Settings) -> None:
        self.ws = ws
        self.transport = transport
        self.avatar: Avatar | None = None
        self.sid = ""
        self.pending: list[bytes] = []
        self.stale = True  # the first frame is a full snapshot
        self.closing: tuple[int, str] | None = None
        self.outbox: deque[bytes] = deque()
        self.outbox_bytes = 0
        self.slow_since: float | None = None
        self.writing_since: float | None = None  # when the write in progress started
        self._writer: asyncio.Task[None] | None = None
        self._send_buffer = settings.send_buffer
        self._max_pending = settings.max_pending_events
        self._slow_limit = settings.slow_client_seconds
        self.moves = TokenBucket(settings.move_rate, settings.move_rate)
        self.chats = TokenBucket(settings.chat_rate, settings.chat_burst)
        self.flood = TokenBucket(settings.flood_rate, settings.flood_rate)
        self.last_rate_error = 0.0
        if transport is not None:
            # Never let the transport pause us: we stop writing well before its high-water mark.
            transport.set_write_buffer_limits(high=4 * settings.send_buffer)
            sock = transport.get_extra_info("socket")
            if settings.socket_send_buffer and sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, settings.socket_send_buffer)

    def push(self, event: bytes) -> None:
        """Queue an event (an encoded server message) for this client's next frame."""
        if self.closing:
            return
        self.pending.append(event)
        if len(self.pending) > self._max_pending:
            self.pending.clear()
            self.close_later(CloseCode.TOO_SLOW, "client too slow: too many undelivered events")

    def error(self, code: ErrorCode, message: str, ref: int | None = None) -> None:
        self.push(encode(Error(int(code), message[:200], ref)))

    def writable(self) -> bool:
        """False when the socket or the queue already holds ``send_buffer`` bytes: the client is slow."""
        transport = self.transport
        if self.closing or transport is None or transport.is_closing():
            return False
        if self.writing_since is not None and time.monotonic() - self.writing_since > STALLED_WRITE:
            return False
        return transport.get_write_buffer_size() + self.outbox_bytes < self._send_buffer

    def still_slow(self, now: float | None = None) -> None:
        """Called at each tick this client was too slow to be sent its frame; closes it past the bound."""
        now = time.monotonic() if now is None else now
        if self.slow_since is None:
            self.slow_since = now
        elif now - self.slow_since > self._slow_limit:
            self.close_later(CloseCode.TOO_SLOW, "client too slow: nothing delivered for too long")

    def queue(self, frame: bytes) -> None:
        """Send ``frame`` after those already queued; returns at once (its writer task does the waiting)."""
        if self.closing is not None:
            return
        self.outbox.append(frame)
        self.outbox_bytes += len(frame)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        try:
            while self.outbox:
                frame = self.outbox[0]
                self.writing_since = time.monotonic()
                try:
                    await self.ws.send_bytes(frame)
                except (ConnectionError, RuntimeError):  # the connection is gone: nothing more to write
                    self.outbox.clear()
                    self.outbox_bytes = 0
                    return
                self.outbox.popleft()  # counted until written: a write that never ends makes the client slow
                self.outbox_bytes -= len(frame)
        finally:
            self._writer = self.writing_since = None

    def close_later(self, code: int, reason: str) -> None:
        """Ask the gateway to close this connection (done outside the tick)."""
        if self.closing is None:
            self.closing = (int(code), reason)
            asyncio.get_running_loop().create_task(self.ws.close(code=int(code), message=reason.encode()[:120]))
