"""One connection's whole state, sans I/O: bytes in, events out.

``ServerConnection`` is what the server runs per WebSocket, ``ClientConnection`` what every client runs.
Neither touches a socket nor a clock: the caller passes ``now`` (any monotonic clock, in seconds), moves
the bytes, and acts on the events each call returns, in order:

* :class:`Received` — a decoded message for the application (server: the world; client: its mirror);
* :class:`Send` — bytes to send at once, as a WebSocket message of their own (an ERROR, a PONG, HELLO...);
* :class:`Close` — close the WebSocket with this code, after sending what came before.

States: ``CONNECTING`` (until WELCOME) → ``OPEN`` → ``CLOSING`` (a close was decided) → ``CLOSED``
(the I/O layer says the WebSocket is gone: :meth:`ServerConnection.closed`). The handshake timeout is a
``deadline``: the I/O layer waits until then at most, and calls ``timeout(now)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cybercollege.protocol import limits as L
from cybercollege.protocol.codec import decode, encode
from cybercollege.protocol.errors import CloseCode, ErrorCode, ProtocolError
from cybercollege.protocol.messages import Bye, Direction, Error, Hello, Ping, Pong, Welcome

_HELLO: int = Hello.__protocol__.code  # type: ignore[attr-defined]


class State(Enum):
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


@dataclass(slots=True)  # not frozen: one per message received, and frozen dataclasses are slower to build
class Received:
    """A decoded message for the application."""

    message: Any


@dataclass(frozen=True, slots=True)
class Send:
    """Bytes to send now, alone and in order. ``error`` is set when they are an ERROR (for logs)."""

    data: bytes
    error: Error | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """Close the WebSocket with ``code`` once what came before is sent."""

    code: int
    reason: str


Event = Received | Send | Close


def negotiate(offered: list[int], supported: tuple[int, ...] = L.SUPPORTED_VERSIONS) -> int:
    """The highest version both sides speak, or VERSION_UNSUPPORTED."""
    common = set(offered) & set(supported)
    if not common:
        raise ProtocolError(
            ErrorCode.VERSION_UNSUPPORTED,
            f"client speaks {sorted(offered)}, server speaks {list(supported)}",
            ref=_HELLO,
        )
    return max(common)


class Bucket:
    """A token bucket: ``rate`` per second, at most ``burst`` saved up, on the caller's clock."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.tokens, self.last = rate, burst, burst, now

    def take(self, now: float) -> bool:
        """Spend one token; False when the bucket is empty."""
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def _wall_ms() -> int:
    return int(time.time() * 1000)


def _error(code: ErrorCode, message: str, ref: int | None = None) -> Send:
    error = Error(int(code), message[: L.MAX_REASON_CHARS], ref)
    return Send(encode(error), error)


class _Connection:
    """What both sides share: the state and the close."""

    def __init__(self) -> None:
        self.state = State.CONNECTING
        self.deadline: float | None = None
        """When ``timeout(now)`` must be called if the handshake is still under way (None: no deadline)."""
        self.close_code: int | None = None
        self.close_reason = ""

    def close(self, code: int, reason: str) -> list[Event]:
        """Decide to close (once): the events that do it."""
        if self.state in (State.CLOSING, State.CLOSED):
            return []
        self.state = State.CLOSING
        self.deadline = None
        self.close_code, self.close_reason = int(code), reason
        return [Close(int(code), reason)]

    def closed(self, code: int | None = None) -> None:
        """The I/O layer says the WebSocket is gone (``code``: the close code it saw, if any)."""
        self.state = State.CLOSED
        self.deadline = None
        if self.close_code is None:
            self.close_code = code


class ServerConnection(_Connection):
    """Server side: HELLO first and only once, version negotiation, handshake deadline, PING, BYE,
    malformed-message count and flood limit. Authentication stays with the caller (:meth:`accept`,
    :meth:`refuse`)."""

    def __init__(
        self,
        now: float,
        *,
        handshake_timeout: float = L.HANDSHAKE_TIMEOUT_S,
        flood_rate: float = L.FLOOD_RATE,
        max_malformed: int = L.MALFORMED_BEFORE_CLOSE,
        supported: tuple[int, ...] = L.SUPPORTED_VERSIONS,
        wall_ms: Callable[[], int] = _wall_ms,
    ) -> None:
        super().__init__()
        self.deadline = now + handshake_timeout
        self.version: int | None = None
        self.hello: Hello | None = None
        self.malformed = 0
        """Messages refused so far (undecodable, unknown, invalid, unexpected); at ``max_malformed``: 4000."""
        self.leaving = False
        """The client said BYE: its avatar leaves at once (no resume)."""
        self._max_malformed = max_malformed
        self._supported = supported
        self._flood = Bucket(flood_rate, flood_rate, now)
        self._wall_ms = wall_ms

    def receive(self, data: bytes | str, now: float) -> list[Event]:
        """One WebSocket message from the client (``str`` for a text message)."""
        if self.state is State.OPEN:
            return self._open(data, now)
        if self.state is State.CONNECTING and self.hello is None:
            return self._handshake(data)
        if self.state is State.CONNECTING:
            return self._malformed(ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "wait for WELCOME"))
        return []  # closing or closed: nothing more is read

    def timeout(self, now: float) -> list[Event]:
        """Past the deadline without HELLO: ERROR NOT_AUTHENTICATED and close 4003."""
        if self.state is not State.CONNECTING or self.deadline is None or now < self.deadline:
            return []
        return self.refuse(ErrorCode.NOT_AUTHENTICATED, "no HELLO in time", CloseCode.HANDSHAKE_TIMEOUT)

    def accept(self, welcome: Welcome) -> list[Event]:
        """The caller authenticated the HELLO and placed the avatar: send WELCOME, the connection is open."""
        if self.state is not State.CONNECTING or self.hello is None:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"cannot accept in state {self.state.value}")
        self.state = State.OPEN
        return [Send(encode(welcome))]

    def refuse(self, code: ErrorCode, message: str, close: CloseCode, ref: int | None = None) -> list[Event]:
        """An ERROR, then the close: a refused handshake (bad token, no room) or a fatal condition."""
        if self.state in (State.CLOSING, State.CLOSED):
            return []
        return [_error(code, message, ref), *self.close(close, message)]

    def _handshake(self, data: bytes | str) -> list[Event]:
        try:
            msg = decode(data, Direction.TO_SERVER)  # text is refused: MALFORMED
        except ProtocolError as exc:
            return self.refuse(exc.code, exc.message, CloseCode.PROTOCOL_ERROR, exc.ref)
        if not isinstance(msg, Hello):
            return self.refuse(
                ErrorCode.NOT_AUTHENTICATED, "the first message must be HELLO", CloseCode.PROTOCOL_ERROR, _code(msg)
            )
        try:
            self.version = negotiate(msg.versions, self._supported)
        except ProtocolError as exc:
            return self.refuse(exc.code, exc.message, CloseCode.VERSION_UNSUPPORTED, exc.ref)
        self.hello = msg
        self.deadline = None  # HELLO came in time; authenticating it is the caller's business
        return [Received(msg)]

    def _open(self, data: bytes | str, now: float) -> list[Event]:
        if not self._flood.take(now):
            return self.close(CloseCode.FLOOD, "too many messages")
        try:
            msg = decode(data, Direction.TO_SERVER)  # text is refused: MALFORMED
        except ProtocolError as exc:
            return self._malformed(exc)
        kind = type(msg)
        if kind is Ping:  # answered at once, not at the next tick: it measures the round trip
            return [Send(encode(Pong(msg.nonce, self._wall_ms())))]
        if kind is Bye:
            self.leaving = True
            return self.close(CloseCode.NORMAL, "bye")
        if kind is Hello:
            return self._malformed(ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, "HELLO was already received", _HELLO))
        return [Received(msg)]

    def _malformed(self, exc: ProtocolError) -> list[Event]:
        """The ERROR for a refused message; the last one allowed is followed by the close (4000)."""
        self.malformed += 1
        events: list[Event] = [_error(exc.code, exc.message, exc.ref)]
        if self.malformed >= self._max_malformed:
            events += self.close(CloseCode.PROTOCOL_ERROR, "too many malformed messages")
        return events


class ClientConnection(_Connection):
    """Client side: HELLO, then WELCOME (or the server's refusal) before the deadline, then messages;
    PING round trips, BYE."""

    def __init__(
        self, versions: tuple[int, ...] = L.SUPPORTED_VERSIONS, handshake_timeout: float = L.HANDSHAKE_TIMEOUT_S
    ) -> None:
        super().__init__()
        self.versions = versions
        self.handshake_timeout = handshake_timeout
        self.welcome: Welcome | None = None
        self.resume: str | None = None
        """The resume value of the last WELCOME: pass it to the next HELLO after a lost connection."""
        self.refusal: Error | None = None
        """Why the handshake failed: the server's ERROR, or one made here (timeout, wrong version)."""
        self.invalid = 0
        """Server messages this side could not decode (ignored)."""
        self.rtt: float | None = None
        """Last PING round trip (seconds, on the caller's clock)."""
        self._pings: dict[int, float] = {}

    def hello(self, token: str, client: str = "cybercollege", resume: str | None = None, now: float = 0.0) -> bytes:
        """The first message; WELCOME is due before ``now + handshake_timeout`` (the deadline)."""
        self.deadline = now + self.handshake_timeout
        return encode(Hello(list(self.versions), token, client[: L.MAX_CLIENT_NAME_CHARS], resume or None))

    def receive(self, data: bytes, now: float = 0.0) -> list[Event]:
        """One WebSocket message from the server. Undecodable ones are counted in ``invalid`` and dropped."""
        if self.state is State.CLOSED:
            return []
        try:
            msg = decode(data, Direction.TO_CLIENT)
        except ProtocolError as exc:
            self.invalid += 1
            if self.state is State.CONNECTING:
                return self._fail(exc.code, f"from server: {exc.message}")
            return []
        if self.state is State.CONNECTING:
            return self._handshake(msg)
        if type(msg) is Pong:
            sent = self._pings.pop(msg.nonce, None)
            if sent is not None:
                self.rtt = now - sent
        return [Received(msg)]

    def timeout(self, now: float) -> list[Event]:
        """Past the deadline without WELCOME: give up (close 1000)."""
        if self.state is not State.CONNECTING or self.deadline is None or now < self.deadline:
            return []
        return self._fail(ErrorCode.NOT_AUTHENTICATED, "pas de réponse du serveur (WELCOME)")

    def send(self, msg: Any) -> bytes:
        """A message to send, once open."""
        if self.state is not State.OPEN:
            raise ProtocolError(ErrorCode.UNEXPECTED_MESSAGE, f"cannot send in state {self.state.value}")
        return encode(msg)

    def ping(self, nonce: int, now: float) -> bytes:
        """A PING; its PONG sets ``rtt``."""
        data = self.send(Ping(nonce))
        if len(self._pings) > 64:  # PONGs that never came
            self._pings.clear()
        self._pings[nonce] = now
        return data

    def bye(self) -> list[Event]:
        """Leave for good: BYE, then the close (the server answers with 1000 and removes the avatar)."""
        if self.state is not State.OPEN:
            return self.close(CloseCode.NORMAL, "bye")
        return [Send(encode(Bye())), *self.close(CloseCode.NORMAL, "bye")]

    def _handshake(self, msg: Any) -> list[Event]:
        if isinstance(msg, Welcome):
            if msg.version not in self.versions:
                return self._fail(ErrorCode.VERSION_UNSUPPORTED, f"server chose version {msg.version}")
            self.state, self.deadline = State.OPEN, None
            self.welcome, self.resume = msg, msg.resume
            return [Received(msg)]
        if isinstance(msg, Error):  # refused: the server closes next
            self.refusal = msg
            self.state, self.deadline = State.CLOSING, None
            return [Received(msg)]
        return self._fail(ErrorCode.UNEXPECTED_MESSAGE, f"expected WELCOME, got {type(msg).__name__}")

    def _fail(self, code: ErrorCode, message: str) -> list[Event]:
        self.refusal = Error(int(code), message[: L.MAX_REASON_CHARS])
        return self.close(CloseCode.NORMAL, message)


def _code(msg: Any) -> int | None:
    return getattr(getattr(msg, "__protocol__", None), "code", None)
