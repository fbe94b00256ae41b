"""The tables (SQLAlchemy Core). The migrations in ``migrations/versions`` build exactly this schema."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

from .records import MAX_DETAIL_CHARS, MAX_EVENT_CHARS, MAX_ID_CHARS

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone: we store UTC, tag on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = BigInteger().with_variant(Integer(), "sqlite")
"""A 64-bit key; SQLite only auto-increments an INTEGER PRIMARY KEY."""
COLLEGE_CHARS = 64
"""A collège is its world's id (``[world] id``, at most 64 characters): every durable row carries it (0007)."""


def college() -> Column[str]:
    """The collège a row belongs to: the processes of several collèges share one database (docs/scaling.md)."""
    return Column("college", String(COLLEGE_CHARS), nullable=False)


def college_key() -> Column[str]:
    """The collège, first part of a composite primary key (boards and places of two collèges never meet)."""
    return Column("college", String(COLLEGE_CHARS), primary_key=True)


places = Table(
    "places",
    metadata,
    college_key(),
    Column("user_id", String(MAX_ID_CHARS), primary_key=True),
    Column("room_id", String(MAX_ID_CHARS), nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("heading", Float, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

chat = Table(
    "chat",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    college(),
    Column("room_id", String(MAX_ID_CHARS), nullable=True),
    Column("sender", String(MAX_ID_CHARS), nullable=False),
    Column("recipient", String(MAX_ID_CHARS), nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("(room_id IS NULL) <> (recipient IS NULL)", name="room_xor_recipient"),
    Index(None, "college", "room_id", "created_at"),
    Index(None, "created_at"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    college(),
    Column("at", UTCDateTime, nullable=False),
    Column("event", String(MAX_EVENT_CHARS), nullable=False),
    Column("user_id", String(MAX_ID_CHARS), nullable=True),
    Column("room_id", String(MAX_ID_CHARS), nullable=True),
    Column("detail", String(MAX_DETAIL_CHARS), nullable=False),
    Index(None, "user_id", "at"),
    Index(None, "at"),
    Index(None, "college", "id"),
)

# --- whiteboards (server/whiteboard, migration 0002) ---

board_ops = Table(
    "board_ops",
    metadata,
    college_key(),
    Column("board_id", String(MAX_ID_CHARS), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("author", String(MAX_ID_CHARS), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
"""Each board's operation log since its snapshot (``body`` is MessagePack)."""

board_snapshots = Table(
    "board_snapshots",
    metadata,
    college_key(),
    Column("board_id", String(MAX_ID_CHARS), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
"""Each board's latest snapshot: its state after operation ``seq``."""

# --- slides (server/classroom/slides.py, migration 0003) ---

slide_images = Table(
    "slide_images",
    metadata,
    college_key(),
    Column("sha256", String(64), primary_key=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("png", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
"""Slide pages rendered to PNG, by the sha256 of the PNG (GET /slides/<sha256>)."""

# --- invitations (server/guests/invitation.py, migration 0004) ---

invitations = Table(
    "invitations",
    metadata,
    Column("id", String(MAX_ID_CHARS), primary_key=True),
    college(),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),
    Index(None, "college"),
)
"""Guest invitations as JSON (the code only as its SHA-256 hash), kept until a day after they end."""

# --- session tokens (server/auth, migration 0005) ---

revocations = Table(
    "revocations",
    metadata,
    Column("sid", String(MAX_ID_CHARS), primary_key=True),
    Column("until", UTCDateTime, nullable=False),
    Index(None, "until"),
)
"""Revoked login sessions (logout, single logout), kept until the longest token of the session could expire."""

disabled_users = Table(
    "disabled_users",
    metadata,
    Column("user_id", String(MAX_ID_CHARS), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(MAX_ID_CHARS), nullable=False),
)
"""Users the school's administrator disabled (``cybercollege user disable``): every token of theirs is refused."""

# --- lessons (server/classroom/lessons/, migration 0006) ---

lessons = Table(
    "lessons",
    metadata,
    Column("id", String(MAX_ID_CHARS), primary_key=True),
    college(),
    Column("school_uai", String(16), nullable=False),
    Column("class_name", String(64), nullable=False),
    Column("room_id", String(MAX_ID_CHARS), nullable=False),
    Column("teacher_id", String(MAX_ID_CHARS), nullable=False),
    Column("teacher_name", String(128), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("title", String(120), nullable=False),
    Column("invitation_id", String(MAX_ID_CHARS), nullable=True),
    Column("cancelled", UTCDateTime, nullable=True),
    CheckConstraint('"end" > start', name="ends_after_start"),
    Index(None, "teacher_id", "start"),
    Index(None, "school_uai", "start"),
    Index(None, "end"),
    Index(None, "college", "start"),
)
"""Scheduled lessons: a class, a room, a time, a teacher; kept a year after they end (docs/persistence.md)."""

lesson_attendance = Table(
    "lesson_attendance",
    metadata,
    Column("lesson_id", String(MAX_ID_CHARS), primary_key=True),
    Column("user_id", String(MAX_ID_CHARS), primary_key=True),
    Column("joined", UTCDateTime, primary_key=True),
    Column("display_name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("left", UTCDateTime, nullable=True),
    Index(None, "user_id"),
)
"""Who was in the lesson's room during its time, from when to when (deleted with its lesson)."""

lesson_boards = Table(
    "lesson_boards",
    metadata,
    Column("lesson_id", String(MAX_ID_CHARS), primary_key=True),
    Column("board_id", String(MAX_ID_CHARS), primary_key=True),
    college(),
    Column("seq", BigInteger, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
"""Each board of a lesson's room as it was when the lesson ended (a board snapshot, at most
``lessons.model.MAX_BOARD_BYTES``; migration 0008): its PDF on the lesson's page. Deleted with its lesson."""
