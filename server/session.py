"""One client connection as the world sees it: its outgoing events, rate limits and backpressure.

Nothing is ever queued without bound: position state is coalesced (a slow client later gets one snapshot
of what it sees), and events (chat, presence...) are capped by ``max_pending_events``.
"""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING

from aiohttp import web

from protocol import CloseCode, ErrorCode, encode
from protocol.messages import Error
from server.ratelimit import TokenBucket

if TYPE_CHECKING:
    from server.avatar import Avatar
    from server.config import Settings


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
        self._send_buffer = settings.send_buffer
        self._max_pending = settings.max_pending_events
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
        """False when the socket already holds ``send_buffer`` bytes: the client is slow."""
        transport = self.transport
        if self.closing or transport is None or transport.is_closing():
            return False
        return transport.get_write_buffer_size() < self._send_buffer

    def close_later(self, code: int, reason: str) -> None:
        """Ask the gateway to close this connection (done outside the tick)."""
        if self.closing is None:
            self.closing = (int(code), reason)
            asyncio.get_running_loop().create_task(self.ws.close(code=int(code), message=reason.encode()[:120]))

    async def send(self, data: bytes) -> bool:
        """Write one frame now; False if the connection is gone."""
        try:
            await self.ws.send_bytes(data)
            return True
        except (ConnectionError, RuntimeError):
            return False
