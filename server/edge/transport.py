"""An aiohttp WebSocket as the core's :class:`~cybercollege.server.core.delivery.Transport`."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

from cybercollege.protocol import CloseCode
from cybercollege.server.config import Settings

CLOSE_REPLY_S = 1.0
"""Seconds a closed connection's client has to answer the close frame (what it sends meanwhile is read and
dropped); then the socket is closed."""


REFUSED_HOLD_S = 5.0
"""Seconds a connection refused for reconnecting too often is kept open, unread, after its ERROR: a client
reconnecting in a loop tries once per hold instead of as fast as the handshake goes."""
ABUSE = frozenset({CloseCode.PROTOCOL_ERROR, CloseCode.FLOOD})
"""Closes for what the client sent (malformed messages, a flood): it is not read any more."""


class WebSocketTransport:
    """Sends, closes and measures what waits in the socket's buffer."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, settings: Settings) -> None:
        self.ws = ws
        self.raw = transport
        if transport is not None:
            # Never let the transport pause us: a delivery stops writing well before its high-water mark.
            transport.set_write_buffer_limits(high=4 * settings.send_buffer)
            sock = transport.get_extra_info("socket")
            if settings.socket_send_buffer and sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, settings.socket_send_buffer)

    async def send(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def close(self, code: int, reason: str) -> None:
        """Send the close frame, wait :data:`CLOSE_REPLY_S` at most for the client's, then drop the socket: a
        client that keeps sending instead of answering is not read for the ten seconds aiohttp would wait."""
        if code in ABUSE and self.raw is not None:
            self.raw.pause_reading()  # nothing more of it is parsed: its frames wait in the kernel, then are dropped
        try:
            async with asyncio.timeout(CLOSE_REPLY_S):
                await self.ws.close(code=code, message=reason.encode()[:120])
        except TimeoutError:
            if self.raw is not None:
                self.raw.abort()

    async def hold(self) -> None:
        """Stop reading and wait :data:`REFUSED_HOLD_S` (a connection refused for what its client did)."""
        if self.raw is not None:
            self.raw.pause_reading()
        await asyncio.sleep(REFUSED_HOLD_S)

    def buffered(self) -> int:
        return self.raw.get_write_buffer_size() if self.raw is not None else 0

    def is_closing(self) -> bool:
        return self.raw is None or self.raw.is_closing() or self.ws.closed
