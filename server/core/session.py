"""One client connection as the world sees it: whose it is, its rate limits, and its way out.

Everything a client is sent goes through its :class:`~cybercollege.server.core.delivery.Delivery`
(``session.delivery``); the methods here are shorthands for it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol.messages import Error
from cybercollege.server.core.delivery import STALLED_WRITE, Delivery, Transport
from cybercollege.server.core.ratelimit import TokenBucket

__all__ = ["STALLED_WRITE", "Session"]

if TYPE_CHECKING:
    from cybercollege.server.config import Settings
    from cybercollege.server.core.avatar import Avatar


class Session:
    """Created by the gateway after a successful handshake; attached to exactly one avatar."""

    def __init__(self, transport: Transport, settings: Settings) -> None:
        self.transport = transport
        self.delivery = Delivery(transport, settings)
        self.avatar: Avatar | None = None
        self.sid = ""
        self.expires_at = math.inf
        """When this connection's token expires (Unix seconds): closed with 4013 then, unless a REAUTH extends it."""
        self.moves = TokenBucket(settings.move_rate, settings.move_rate)
        self.chats = TokenBucket(settings.chat_rate, settings.chat_burst)
        self.doors = TokenBucket(settings.door_rate, settings.door_burst)
        self.last_rate_error = 0.0

    def push(self, event: bytes) -> None:
        """Add an event (an encoded server message) to this client's next frame."""
        self.delivery.push(event)

    def push_now(self, *events: bytes) -> None:
        """Send events at once (between ticks), after what is pending."""
        self.delivery.push_now(*events)

    def error(self, code: ErrorCode, message: str, ref: int | None = None) -> None:
        self.delivery.push(encode(Error(int(code), message[:200], ref)))

    def writable(self) -> bool:
        return self.delivery.writable()

    def queue(self, frame: bytes) -> None:
        """Write an encoded frame after those already queued (the tick's frames)."""
        self.delivery.queue(frame)

    @property
    def closing(self) -> tuple[int, str] | None:
        """The close code and reason once this connection is closing."""
        return self.delivery.closing

    @closing.setter
    def closing(self, value: tuple[int, str] | None) -> None:
        self.delivery.closing = value

    def close_later(self, code: int, reason: str) -> None:
        """Close this connection soon, after what is pending (never awaited by the caller)."""
        self.delivery.close_later(code, reason)

    async def flushed(self, timeout: float = STALLED_WRITE) -> None:
        """Return once every queued frame is written, or after ``timeout`` seconds."""
        await self.delivery.flushed(timeout)

    async def close(self, code: int, reason: str) -> None:
        """Close this connection now."""
        await self.transport.close(code, reason)
