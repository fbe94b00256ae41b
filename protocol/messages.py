"""Every message of the Cybercollège wire protocol, declared once.

A message travels as one MessagePack array: ``[type, field1, field2, ...]`` (see docs/protocol.md).
Records nested inside messages (an avatar, an update) are arrays of their fields, without a type.
Fields with a default may be left out at the end; extra trailing fields are ignored (forward compatibility).
"""

from __future__ import annotations

import typing
from dataclasses import MISSING, dataclass, fields
from enum import IntEnum
from typing import Annotated, Any

from cybercollege.protocol import limits as L
from cybercollege.protocol.errors import ErrorCode, ProtocolError
from cybercollege.protocol.fields import Bool, Field, Int, ListOf, Opt, Path, Rec, Str, StrIntMap, invalid


class Direction(IntEnum):
    TO_SERVER = 1
    TO_CLIENT = 2


class Anim(IntEnum):
    """Animation states of an avatar."""

    IDLE = 0
    WALK = 1
    RUN = 2
    SIT = 3
    HAND_UP = 4
    WAVE = 5


def _printable(s: str) -> bool:
    return s.isprintable()


def _identifier(s: str) -> bool:
    return s.isascii() and all(c.isalnum() or c in "-_.:" for c in s)


U32 = Int(0, L.U32_MAX)
COORD = Int(L.COORD_MIN, L.COORD_MAX)
HEADING = Int(0, L.HEADING_STEPS - 1)
ANIM = Int(0, 255)
IDENT = Str(L.MAX_ID_CHARS, 1, _identifier, "ASCII letters, digits or -_.:")
NAME = Str(L.MAX_NAME_CHARS, 1, _printable, "printable")
TEXT = Str(L.MAX_CHAT_CHARS, 1, _printable, "printable (no control characters)")
ROLE = Str(16, 1, lambda s: s in ("pupil", "teacher", "staff", "guest"), "pupil, teacher, staff or guest")


class Schema:
    """How one message or record type maps to its wire array."""

    def __init__(self, cls: type, code: int | None, direction: Direction | None) -> None:
        self.cls = cls
        self.code = code
        self.direction = direction
        hints = typing.get_type_hints(cls, include_extras=True)
        self.fields: list[tuple[str, Field]] = []
        self.required = 0
        for f in fields(cls):
            spec = next(m for m in hints[f.name].__metadata__ if isinstance(m, Field))
            self.fields.append((f.name, spec))
            if f.default is MISSING and f.default_factory is MISSING:
                self.required = len(self.fields)
        self.name = cls.__name__

    def from_fields(self, value: Any, path: Path, offset: int = 0) -> Any:
        """Build an instance from a decoded array (``offset`` skips the type code)."""
        if type(value) is not list:
            raise invalid(path, f"{self.name} must be an array")
        given = len(value) - offset
        if given < self.required:
            missing = self.fields[given][0] if given >= 0 else self.fields[0][0]
            raise invalid(path, f"{self.name} needs {self.required} fields, got {given} (missing {missing!r})")
        return self.cls(
            *[spec.check(value[offset + i], (path, name)) for i, (name, spec) in enumerate(self.fields[:given])]
        )

    def to_fields(self, obj: Any) -> list[Any]:
        return [spec.to_wire(getattr(obj, name)) for name, spec in self.fields]


TO_SERVER: dict[int, Schema] = {}
TO_CLIENT: dict[int, Schema] = {}


def message(code: int, direction: Direction) -> typing.Callable[[type], type]:
    """Register a message dataclass under its type code."""

    def register(cls: type) -> type:
        schema = Schema(cls, code, direction)
        table = TO_SERVER if direction is Direction.TO_SERVER else TO_CLIENT
        if code in table:
            raise RuntimeError(f"type code {code} declared twice")
        table[code] = schema
        cls.__protocol__ = schema  # type: ignore[attr-defined]
        return cls

    return register


RECORDS: list[type] = []
"""Every record type, in declaration order (for the specification)."""


def record(cls: type) -> type:
    """Register a record dataclass (a nested array inside messages)."""
    cls.__protocol__ = Schema(cls, None, None)  # type: ignore[attr-defined]
    RECORDS.append(cls)
    return cls


# --- records ---------------------------------------------------------------------------------------


@record
@dataclass(slots=True, frozen=True)
class Avatar:
    """Everything a client needs to draw an avatar. Positions are centimetres."""

    id: Annotated[int, U32]
    name: Annotated[str, NAME]
    role: Annotated[str, ROLE]
    x: Annotated[int, COORD]
    y: Annotated[int, COORD]
    heading: Annotated[int, HEADING]
    anim: Annotated[int, ANIM]


@record
@dataclass(slots=True, frozen=True)
class Update:
    """A compact position update inside a FRAME (about 14 bytes on the wire)."""

    id: Annotated[int, U32]
    x: Annotated[int, COORD]
    y: Annotated[int, COORD]
    heading: Annotated[int, HEADING]
    anim: Annotated[int, ANIM]


@record
@dataclass(slots=True, frozen=True)
class Member:
    """A room member in a presence list (even one too far away to be seen)."""

    id: Annotated[int, U32]
    name: Annotated[str, NAME]
    role: Annotated[str, ROLE]


# --- client -> server ------------------------------------------------------------------------------

C = Direction.TO_SERVER
S = Direction.TO_CLIENT


@message(1, C)
@dataclass(slots=True, frozen=True)
class Hello:
    """First message of a connection: versions the client speaks, its session token, and a resume token."""

    versions: Annotated[list[int], ListOf(Int(1, 255), L.MAX_VERSIONS)]
    token: Annotated[str, Str(L.MAX_TOKEN_CHARS, 1)]
    client: Annotated[str, Str(L.MAX_CLIENT_NAME_CHARS, 0, _printable, "printable")] = ""
    resume: Annotated[str | None, Opt(IDENT)] = None


@message(3, C)
@dataclass(slots=True, frozen=True)
class Move:
    """My new position, heading and animation. ``seq`` increases; corrections name it."""

    seq: Annotated[int, U32]
    x: Annotated[int, COORD]
    y: Annotated[int, COORD]
    heading: Annotated[int, HEADING]
    anim: Annotated[int, ANIM]


@message(4, C)
@dataclass(slots=True, frozen=True)
class UseDoor:
    """Go through a door of my room (I must stand near it)."""

    door: Annotated[str, IDENT]


@message(5, C)
@dataclass(slots=True, frozen=True)
class Say:
    """A chat line to everyone in my room."""

    text: Annotated[str, TEXT]


@message(6, C)
@dataclass(slots=True, frozen=True)
class Whisper:
    """A private chat line to one avatar (subject to the safety rules)."""

    to: Annotated[int, U32]
    text: Annotated[str, TEXT]


@message(7, C)
@dataclass(slots=True, frozen=True)
class Ping:
    nonce: Annotated[int, U32]


@message(8, C)
@dataclass(slots=True, frozen=True)
class Bye:
    """I am leaving for good (no resume)."""


@message(9, C)
@dataclass(slots=True, frozen=True)
class Reauth:
    """A fresh session token for the same user (from ``POST /auth/refresh``), before the current one expires:
    the connection stays open until the new token's expiry (``REAUTHED``), else it is closed with 4013."""

    token: Annotated[str, Str(L.MAX_TOKEN_CHARS, 1)]


# --- server -> client ------------------------------------------------------------------------------


@message(2, S)
@dataclass(slots=True, frozen=True)
class Welcome:
    """Handshake accepted: the chosen version, who I am, where I am, and the server's limits."""

    version: Annotated[int, Int(1, 255)]
    you: Annotated[Avatar, Rec(Avatar)]
    room: Annotated[str, IDENT]
    resume: Annotated[str, IDENT]
    world: Annotated[str, Str(128, 1)]
    tick_hz: Annotated[int, Int(1, 120)]
    limits: Annotated[dict[str, int], StrIntMap(L.MAX_LIMITS_ENTRIES)]


@message(17, S)
@dataclass(slots=True, frozen=True)
class Appear:
    """An avatar entered what I can see."""

    avatar: Annotated[Avatar, Rec(Avatar)]


@message(18, S)
@dataclass(slots=True, frozen=True)
class Vanish:
    """An avatar left what I can see."""

    id: Annotated[int, U32]


@message(19, S)
@dataclass(slots=True, frozen=True)
class Chat:
    """A chat line: in my room, or private (``private`` true)."""

    sender: Annotated[int, U32]
    name: Annotated[str, NAME]
    private: Annotated[bool, Bool()]
    text: Annotated[str, TEXT]
    at: Annotated[int, Int(0, 2**53)]


@message(20, S)
@dataclass(slots=True, frozen=True)
class Room:
    """I am now in this room at this place (after a door, on join and on resume)."""

    room: Annotated[str, IDENT]
    x: Annotated[int, COORD]
    y: Annotated[int, COORD]
    heading: Annotated[int, HEADING]


@message(21, S)
@dataclass(slots=True, frozen=True)
class Correction:
    """My move ``seq`` was refused: I am here instead."""

    seq: Annotated[int, U32]
    x: Annotated[int, COORD]
    y: Annotated[int, COORD]
    heading: Annotated[int, HEADING]


@message(22, S)
@dataclass(slots=True, frozen=True)
class Presence:
    """Changes to my room's member list (a full list right after entering a room)."""

    joined: Annotated[list[Member], ListOf(Rec(Member), L.MAX_PRESENCE_ITEMS)]
    left: Annotated[list[int], ListOf(U32, L.MAX_PRESENCE_ITEMS)]


@message(23, S)
@dataclass(slots=True, frozen=True)
class Error:
    """A request of mine was refused. ``code`` is stable (see ErrorCode); ``ref`` the type I sent."""

    code: Annotated[int, Int(1, 65535)]
    message: Annotated[str, Str(L.MAX_REASON_CHARS)]
    ref: Annotated[int | None, Opt(Int(0, 255))] = None


@message(24, S)
@dataclass(slots=True, frozen=True)
class Closing:
    """The server is going away; reconnect (with resume) after ``retry_ms``."""

    reason: Annotated[str, Str(L.MAX_REASON_CHARS)]
    retry_ms: Annotated[int, Int(0, 3_600_000)]


@message(25, S)
@dataclass(slots=True, frozen=True)
class Pong:
    nonce: Annotated[int, U32]
    server_ms: Annotated[int, Int(0, 2**53)]


@message(26, S)
@dataclass(slots=True, frozen=True)
class Reauthed:
    """My ``REAUTH`` token was accepted: the connection now lasts until ``expires_at`` (Unix seconds)."""

    expires_at: Annotated[int, Int(0, 2**53)]


class EventField(Field):
    """An event inside a FRAME: any server message except WELCOME and FRAME."""

    wire = "server message (array)"

    def check(self, value: Any, path: Path) -> Any:
        if type(value) is not list or not value or type(value[0]) is not int:
            raise invalid(path, "an event must be an array starting with a type code")
        schema = TO_CLIENT.get(value[0])
        if schema is None or schema.code in (Welcome.__protocol__.code, 16):  # type: ignore[attr-defined]
            raise invalid(path, f"type {value[0]} is not an event")
        return schema.from_fields(value, path, offset=1)

    def to_wire(self, value: Any) -> Any:
        schema = value.__protocol__
        return [schema.code, *schema.to_fields(value)]


@message(16, S)
@dataclass(slots=True, frozen=True)
class Frame:
    """Everything that changed for me during one tick: events (apply in order), then position updates."""

    tick: Annotated[int, U32]
    events: Annotated[list[Any], ListOf(EventField(), L.MAX_EVENTS_PER_FRAME)]
    updates: Annotated[list[Update], ListOf(Rec(Update), L.MAX_UPDATES_PER_FRAME)]


Message = Any
"""Any registered message instance."""


def schema_of(msg: Any) -> Schema:
    try:
        return msg.__protocol__
    except AttributeError:
        raise ProtocolError(ErrorCode.INTERNAL, f"{type(msg).__name__} is not a protocol message") from None
