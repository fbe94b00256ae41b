"""The world server's database: users' last places, chat history (with retention) and the audit log."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import DEFAULT_URL, create_engine, resolve_url
from .migrate import current_revision, upgrade
from .records import AuditEvent, ChatRecord, Place, as_utc, utcnow
from .schema import audit, chat, invitations, places

log = logging.getLogger(__name__)

CHAT_RETENTION = timedelta(days=30)
"""Chat lines older than this are purged by ``purge_expired``."""
AUDIT_RETENTION = timedelta(days=180)
"""Audit events older than this are purged by ``purge_expired``."""
Fields = tuple[str, ...]
CHUNK = 1000
"""Rows per statement in bulk writes."""


class Store:
    """Async access to the database. ``Store(url)`` does not connect: ``await start()`` does."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        chat_retention: timedelta = CHAT_RETENTION,
        audit_retention: timedelta = AUDIT_RETENTION,
    ) -> None:
        self.url = resolve_url(url, create_dirs=False)
        self.chat_retention = chat_retention
        self.audit_retention = audit_retention
        self._engine: AsyncEngine | None = None

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r})"

    async def start(self) -> None:
        """Create the engine and migrate the database to the newest schema."""
        if self._engine is not None:
            return
        engine = create_engine(self.url)
        try:
            await upgrade(engine)
            revision = await current_revision(engine)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine
        log.info("database %r ready at schema revision %s", self, revision)

    async def close(self) -> None:
        """Close every connection (``start()`` may be called again afterwards)."""
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the store is not started: await store.start() first")
        return self._engine

    # -- places

    async def save_places(self, records: Sequence[Place]) -> None:
        """Insert or update users' last places in one transaction (for a repeated user, the last wins)."""
        latest = {place.user_id: place for place in records}
        if not latest:
            return
        now = utcnow()
        names = ("user_id", "room_id", "x", "y", "heading")
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(places)
        statement = statement.on_conflict_do_update(
            index_elements=[places.c.user_id],
            set_={name: statement.excluded[name] for name in (*names[1:], "updated_at")},
        )
        await self._write(statement, list(latest.values()), names, updated_at=now)

    async def load_place(self, user_id: str) -> Place | None:
        """Where ``user_id`` last stood, or None for a newcomer."""
        query = select(places.c.user_id, places.c.room_id, places.c.x, places.c.y, places.c.heading)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query.where(places.c.user_id == user_id))).first()
        return None if row is None else Place(**row._mapping)

    # -- chat

    async def add_chat(self, messages: Sequence[ChatRecord]) -> None:
        """Insert chat lines in one transaction."""
        await self._write(insert(chat), messages, ("room_id", "sender", "recipient", "text", "created_at"))

    async def recent_chat(self, room_id: str, limit: int = 50) -> list[ChatRecord]:
        """The room's latest ``limit`` chat lines, oldest first (private lines are never included)."""
        query = (
            select(chat.c.room_id, chat.c.sender, chat.c.recipient, chat.c.text, chat.c.created_at)
            .where(chat.c.room_id == room_id)
            .order_by(chat.c.created_at.desc(), chat.c.id.desc())
            .limit(_check_limit(limit))
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ChatRecord(**row._mapping) for row in reversed(rows)]

    async def purge_chat(self, older_than: datetime) -> int:
        """Delete chat lines created before ``older_than``; returns how many."""
        return await self._delete(chat, chat.c.created_at < as_utc(older_than, "older_than"))

    # -- audit

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        """Insert audit events in one transaction."""
        await self._write(insert(audit), events, ("event", "user_id", "room_id", "detail", "at"))

    async def audit_log(self, user_id: str | None = None, limit: int = 100) -> list[AuditEvent]:
        """The latest ``limit`` audit events (of one user, or of everyone), oldest first."""
        query = select(audit.c.event, audit.c.user_id, audit.c.room_id, audit.c.detail, audit.c.at)
        if user_id is not None:
            query = query.where(audit.c.user_id == user_id)
        query = query.order_by(audit.c.at.desc(), audit.c.id.desc()).limit(_check_limit(limit))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [AuditEvent(**row._mapping) for row in reversed(rows)]

    async def purge_audit(self, older_than: datetime) -> int:
        """Delete audit events recorded before ``older_than``; returns how many."""
        return await self._delete(audit, audit.c.at < as_utc(older_than, "older_than"))

    # -- data minimisation

    # -- invitations

    async def save_invitation(self, invitation_id: str, valid_until: datetime, data: str) -> None:
        """Insert or replace one invitation (``data`` is its JSON)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(invitations).values(
            id=invitation_id, valid_until=as_utc(valid_until, "valid_until"), data=data
        )
        statement = statement.on_conflict_do_update(
            index_elements=[invitations.c.id],
            set_={"valid_until": statement.excluded.valid_until, "data": statement.excluded.data},
        )
        async with self.engine.begin() as connection:
            await connection.execute(statement)

    async def load_invitations(self, ended_after: datetime) -> list[str]:
        """The JSON of invitations that end after ``ended_after``; older ones are deleted."""
        cutoff = as_utc(ended_after, "ended_after")
        await self._delete(invitations, invitations.c.valid_until < cutoff)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(invitations.c.data))).all()
        return [row[0] for row in rows]

    async def purge_expired(self, now: datetime | None = None) -> tuple[int, int]:
        """Apply the retention periods; returns (chat lines, audit events) deleted. Call it periodically."""
        now = utcnow() if now is None else as_utc(now, "now")
        chat_lines = await self.purge_chat(now - self.chat_retention)
        audit_events = await self.purge_audit(now - self.audit_retention)
        if chat_lines or audit_events:
            log.info("retention: purged %d chat lines and %d audit events", chat_lines, audit_events)
        return chat_lines, audit_events

    async def forget_user(self, user_id: str) -> int:
        """Erase a user's place and the chat lines they sent or received; returns rows deleted.

        Their audit events are kept until the audit retention period ends (security log).
        """
        async with self.engine.begin() as connection:
            deleted = (await connection.execute(delete(places).where(places.c.user_id == user_id))).rowcount
            sent_or_received = or_(chat.c.sender == user_id, chat.c.recipient == user_id)
            deleted += (await connection.execute(delete(chat).where(sent_or_received))).rowcount
        return deleted

    # -- helpers

    async def _write(self, statement: Any, records: Sequence[Any], names: Fields, **extra: Any) -> None:
        """Run ``statement`` for every record (its ``names`` fields + ``extra``) in one transaction.

        Making rows and binding them is synchronous work on the event loop: CHUNK records per call
        keep each stall short (a few ms) even when a backlog is written after an outage.
        """
        if not records:
            return
        async with self.engine.begin() as connection:
            for start in range(0, len(records), CHUNK):
                rows = [_fields(r, names) | extra for r in records[start : start + CHUNK]]
                await connection.execute(statement, rows)

    async def _delete(self, table: Any, condition: Any) -> int:
        async with self.engine.begin() as connection:
            result = await connection.execute(delete(table).where(condition))
        return result.rowcount


def _fields(record: object, names: Fields) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 10_000:
        raise ValueError(f"limit must be an integer in 0..10000, got {limit!r}")
    return limit
