"""The handshake and message order of one connection, sans I/O (feed bytes in, get messages out).

``ServerConnection`` is what the server runs per WebSocket; ``ClientConnection`` what clients and bots run.
Neither does I/O: the caller moves the bytes.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from cybercollege.protocol import limits as L
from cybercollege.protocol.codec import decode, encode
from cybercollege.protocol.errors import ErrorCode, ProtocolError
from cybercollege.protocol.messages import Direction, Hello, Welcome


class State(Enum):
    HANDSHAKE = "handshake"
    OPEN = "open"
    CLOSED = "closed"


def negotiate(offered: list[int], supported: tuple[int, ...] = L.SUPPORTED_VERSIONS) -> int:
    """The highest version both sides speak, or VERSION_UNSUPPORTED."""
    common = set(offered) & set(supported)
    if not common:
        raise ProtocolError(
            ErrorCode.VERSION_UNSUPPORTED,
            f"client speaks {sorted(offered)}, server speaks {list(supported)}",
            ref=Hello.__protocol__.code,  # type: ignore[attr-defined]
        )
    return max(common)


class ServerConnection:
    """Server side: the first message must be HELLO, and only the first."""

    def __init__(self) -> None:
        self.state = State.HANDSHAKE
        self.version: int | None = None

    def receive(self, data: bytes) -> Any:
        msg = decode(data, Direction.TO_SERVER)
        if self.state is State.HANDSHAKE and not isinstance(msg, Hello):
            raise ProtocolError(ErrorCode.NOT_AUTHENTICATED, "the first message must be HELLO", _code(msg))
        if self.state is State.OPEN and isinstance(msg, Hello):
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "HELLO was already received", _code(msg))
        if self.state is State.CLOSED:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "the connection is closed", _code(msg))
        return msg

    def accept(self, welcome: Welcome) -> bytes:
        self.state = State.OPEN
        self.version = welcome.version
        return encode(welcome)

    def close(self) -> None:
        self.state = State.CLOSED


class ClientConnection:
    """Client side: send HELLO, wait for WELCOME, then exchange messages."""

    def __init__(self, versions: tuple[int, ...] = L.SUPPORTED_VERSIONS) -> None:
        self.state = State.HANDSHAKE
        self.versions = versions
        self.welcome: Welcome | None = None

    def hello(self, token: str, client: str = "cybercollege", resume: str | None = None) -> bytes:
        return encode(Hello(list(self.versions), token, client, resume))

    def receive(self, data: bytes) -> Any:
        msg = decode(data, Direction.TO_CLIENT)
        if isinstance(msg, Welcome):
            if msg.version not in self.versions:
                raise ProtocolError(ErrorCode.VERSION_UNSUPPORTED, f"server chose version {msg.version}")
            self.state = State.OPEN
            self.welcome = msg
        return msg

    def send(self, msg: Any) -> bytes:
        if self.state is not State.OPEN:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"cannot send before WELCOME ({self.state.value})")
        return encode(msg)


def _code(msg: Any) -> int | None:
    return getattr(getattr(msg, "__protocol__", None), "code", None)
