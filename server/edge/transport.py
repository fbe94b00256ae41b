"""An aiohttp WebSocket as the core's :class:`~cybercollege.server.core.delivery.Transport`."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

from cybercollege.server.config import Settings


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
        await self.ws.close(code=code, message=reason.encode()[:120])

    def buffered(self) -> int:
        return self.raw.get_write_buffer_size() if self.raw is not None else 0

    def is_closing(self) -> bool:
        return self.raw is None or self.raw.is_closing() or self.ws.closed
