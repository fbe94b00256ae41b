"""The records the world server stores: last places, chat lines and audit events.

They are validated when built, so that a bad value fails at the caller with a clear ``ValueError``
instead of poisoning a write-behind batch later. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_ID_CHARS = 128
"""User and room identifiers."""
MAX_TEXT_CHARS = 2000
"""Chat text (the protocol allows less; this is the storage limit)."""
MAX_EVENT_CHARS = 32
MAX_DETAIL_CHARS = 200
"""Audit details are short: longer ones are cut, ending with an ellipsis."""

_SECRET = re.compile(
    r"\b(?:ST|PT|PGT|TGT)-[\w.-]{8,}"  # CAS tickets
    r"|\beyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?"  # JWTs
    r"|(?i:\b(?:ticket|token|code|password|secret)=\S+)"
)
REDACTED = "[redacted]"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime, name: str) -> datetime:
    """``value`` converted to UTC; a naive datetime is refused (its zone is unknown)."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def redact(detail: str) -> str:
    """``detail`` with anything that looks like a ticket or token replaced, cut to MAX_DETAIL_CHARS."""
    detail = _SECRET.sub(REDACTED, detail.replace("\x00", ""))
    if len(detail) > MAX_DETAIL_CHARS:
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    return detail


def check_id(value: object, name: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_CHARS or "\x00" in value:
        raise ValueError(f"{name} must be a string of 1..{MAX_ID_CHARS} characters, got {value!r:.80}")


def _finite(value: object, name: str) -> float:
    """``value`` as a float; numpy numbers are welcome, booleans, NaN and infinities are not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a user last stood: restored when they come back."""

    user_id: str
    room_id: str
    x: float
    y: float
    heading: float

    def __post_init__(self) -> None:
        check_id(self.user_id, "user_id")
        check_id(self.room_id, "room_id")
        for name in ("x", "y", "heading"):
            object.__setattr__(self, name, _finite(getattr(self, name), name))


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One chat line: to a room (``recipient`` None) or private (``room_id`` None), never both."""

    room_id: str | None
    sender: str
    recipient: str | None
    text: str
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        check_id(self.room_id, "room_id", optional=True)
        check_id(self.sender, "sender")
        check_id(self.recipient, "recipient", optional=True)
        if (self.room_id is None) == (self.recipient is None):
            raise ValueError("a chat line has a room_id (room chat) or a recipient (private): exactly one")
        if not isinstance(self.text, str) or len(self.text) > MAX_TEXT_CHARS or "\x00" in self.text:
            raise ValueError(f"text must be a string of at most {MAX_TEXT_CHARS} characters without NUL")
        object.__setattr__(self, "created_at", as_utc(self.created_at, "created_at"))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Something worth auditing ("join", "leave", "room_change", "login", "login_failed", "kicked"...).

    ``detail`` is a short human note: tickets and tokens in it are redacted and it is cut to
    MAX_DETAIL_CHARS, so careless callers cannot leak a secret into the log.
    """

    event: str
    user_id: str | None
    room_id: str | None = None
    detail: str = ""
    at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if not isinstance(self.event, str) or not 1 <= len(self.event) <= MAX_EVENT_CHARS:
            raise ValueError(f"event must be 1..{MAX_EVENT_CHARS} characters, got {self.event!r:.40}")
        if "\x00" in self.event:
            raise ValueError("event must not contain NUL")
        check_id(self.user_id, "user_id", optional=True)
        check_id(self.room_id, "room_id", optional=True)
        if not isinstance(self.detail, str):
            raise ValueError(f"detail must be a string, not {type(self.detail).__name__}")
        object.__setattr__(self, "detail", redact(self.detail))
        object.__setattr__(self, "at", as_utc(self.at, "at"))
