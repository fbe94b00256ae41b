"""The world server's database: users' last places, chat history and the audit log; retention, export and erasure."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy import ColumnElement, Table, delete, func, insert, or_, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .engine import DEFAULT_URL, create_engine, resolve_url
from .migrate import current_revision, upgrade
from .records import AuditEvent, ChatRecord, Place, as_utc, check_id, utcnow
from .schema import audit, chat, disabled_users, invitations, places, revocations

log = logging.getLogger(__name__)

CHAT_RETENTION = timedelta(days=30)
"""Chat lines older than this are purged by ``purge_expired``."""
AUDIT_RETENTION = timedelta(days=180)
"""Audit events older than this are purged by ``purge_expired``."""
FORGOTTEN = "user_forgotten"
"""The audit event of an erasure (``forget_user``)."""
Fields = tuple[str, ...]
AUDIT_FIELDS: Fields = ("event", "user_id", "room_id", "detail", "at")
CHUNK = 1000
"""Rows per statement in bulk writes."""


@dataclass(frozen=True, slots=True)
class Erased:
    """How many rows ``forget_user`` deleted, by table."""

    places: int
    chat: int
    audit: int


@dataclass(frozen=True, slots=True)
class UserData:
    """What the database holds about one user (``export_user``)."""

    user_id: str
    place: Place | None
    chat: list[ChatRecord]
    audit: list[AuditEvent]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (timestamps as ISO 8601 UTC)."""

        def plain(record: Place | ChatRecord | AuditEvent) -> dict[str, Any]:
            values = asdict(record)
            return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}

        return {
            "user_id": self.user_id,
            "place": None if self.place is None else plain(self.place),
            "chat": [plain(line) for line in self.chat],
            "audit": [plain(event) for event in self.audit],
        }


DEFAULT_COLLEGE = "college-jean-moulin"
"""The default world's id: the collège of a store nobody names one for (scripts, a single-collège install)."""


class Store:
    """Async access to the database, for one collège. ``Store(url)`` does not connect: ``await start()`` does.

    ``college`` (the world's id) is the serving process's collège: the rows it writes carry it and its queries
    see only its rows, though several collèges share the database (docs/scaling.md). Revocations and disabled
    users are the platform's (their keys, sessions and ENT user ids, are unique across collèges).
    """

    def __init__(self, url: str = DEFAULT_URL, *, college: str = DEFAULT_COLLEGE) -> None:
        check_id(college, "college")
        self.url = resolve_url(url, create_dirs=False)
        self.college = college
        self._engine: AsyncEngine | None = None

    def __repr__(self) -> str:
        return f"Store({self.url.render_as_string(hide_password=True)!r}, college={self.college!r})"

    async def start(self) -> None:
        """Create the engine and migrate the database to the newest schema."""
        if self._engine is not None:
            return
        engine = create_engine(self.url)
        try:
            await upgrade(engine, self.college)
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

    def mine(self, table: Table) -> ColumnElement[bool]:
        """The condition that keeps a query to this collège's rows of ``table``."""
        return table.c.college == self.college

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
            index_elements=[places.c.college, places.c.user_id],
            set_={name: statement.excluded[name] for name in (*names[1:], "updated_at")},
        )
        await self._write(statement, list(latest.values()), names, updated_at=now)

    async def load_place(self, user_id: str) -> Place | None:
        """Where ``user_id`` last stood, or None for a newcomer."""
        return (await self.load_places([user_id])).get(user_id)

    async def load_places(self, user_ids: Sequence[str]) -> dict[str, Place]:
        """The last places of these users (newcomers are absent), in one query per ``CHUNK`` users."""
        query = select(places.c.user_id, places.c.room_id, places.c.x, places.c.y, places.c.heading)
        found: dict[str, Place] = {}
        async with self.engine.connect() as connection:
            for start in range(0, len(user_ids), CHUNK):
                chunk = user_ids[start : start + CHUNK]
                rows = await connection.execute(query.where(self.mine(places), places.c.user_id.in_(chunk)))
                found.update((row.user_id, Place(**row._mapping)) for row in rows)
        return found

    # -- chat

    @property
    def _college(self) -> dict[str, str]:
        return {"college": self.college}

    async def add_chat(self, messages: Sequence[ChatRecord]) -> None:
        """Insert chat lines in one transaction."""
        await self._write(insert(chat), messages, ("room_id", "sender", "recipient", "text", "created_at"))

    async def recent_chat(self, room_id: str, limit: int = 50) -> list[ChatRecord]:
        """The room's latest ``limit`` chat lines, oldest first (private lines are never included)."""
        query = (
            select(chat.c.room_id, chat.c.sender, chat.c.recipient, chat.c.text, chat.c.created_at)
            .where(self.mine(chat), chat.c.room_id == room_id)
            .order_by(chat.c.created_at.desc(), chat.c.id.desc())
            .limit(_check_limit(limit))
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ChatRecord(**row._mapping) for row in reversed(rows)]

    async def purge_chat(self, older_than: datetime) -> int:
        """Delete chat lines created before ``older_than``; returns how many."""
        return await self._delete(chat, self.mine(chat) & (chat.c.created_at < as_utc(older_than, "older_than")))

    # -- audit

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        """Insert audit events in one transaction."""
        await self._write(insert(audit), events, AUDIT_FIELDS)

    async def audit_log(self, user_id: str | None = None, limit: int = 100) -> list[AuditEvent]:
        """The latest ``limit`` audit events (of one user, or of everyone), oldest first."""
        query = select(audit.c.event, audit.c.user_id, audit.c.room_id, audit.c.detail, audit.c.at).where(
            self.mine(audit)
        )
        if user_id is not None:
            query = query.where(audit.c.user_id == user_id)
        query = query.order_by(audit.c.at.desc(), audit.c.id.desc()).limit(_check_limit(limit))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [AuditEvent(**row._mapping) for row in reversed(rows)]

    async def audit_page(
        self,
        *,
        user_id: str | None = None,
        event: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[tuple[int, AuditEvent]]:
        """One page of the audit log, newest first, with each row's id (``before``: the next page's ids are lower).

        ``user_id`` and ``event`` match exactly; ``since`` (included) and ``until`` (excluded) bound ``at``.
        """
        query = select(audit.c.id, audit.c.event, audit.c.user_id, audit.c.room_id, audit.c.detail, audit.c.at)
        query = query.where(self.mine(audit))
        if user_id:
            query = query.where(audit.c.user_id == user_id)
        if event:
            query = query.where(audit.c.event == event)
        if since is not None:
            query = query.where(audit.c.at >= as_utc(since, "since"))
        if until is not None:
            query = query.where(audit.c.at < as_utc(until, "until"))
        if before is not None:
            query = query.where(audit.c.id < before)
        query = query.order_by(audit.c.id.desc()).limit(_check_limit(limit))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.id, AuditEvent(row.event, row.user_id, row.room_id, row.detail, row.at)) for row in rows]

    async def audit_events(self) -> list[str]:
        """The kinds of audit events recorded (for a filter's choices), sorted."""
        async with self.engine.connect() as connection:
            query = select(audit.c.event).where(self.mine(audit)).distinct().order_by(audit.c.event)
            rows = (await connection.execute(query)).all()
        return [row[0] for row in rows]

    async def purge_audit(self, older_than: datetime) -> int:
        """Delete audit events recorded before ``older_than``; returns how many."""
        return await self._delete(audit, self.mine(audit) & (audit.c.at < as_utc(older_than, "older_than")))

    # -- invitations

    async def save_invitation(self, invitation_id: str, valid_until: datetime, data: str) -> None:
        """Insert or replace one invitation (``data`` is its JSON)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(invitations).values(
            id=invitation_id, college=self.college, valid_until=as_utc(valid_until, "valid_until"), data=data
        )
        statement = statement.on_conflict_do_update(
            index_elements=[invitations.c.id],
            set_={"valid_until": statement.excluded.valid_until, "data": statement.excluded.data},
            where=invitations.c.college == self.college,  # another collège's invitation is never overwritten
        )
        async with self.engine.begin() as connection:
            await connection.execute(statement)

    async def load_invitations(self, ended_after: datetime) -> list[str]:
        """The JSON of this collège's invitations that end after ``ended_after``; its older ones are deleted."""
        cutoff = as_utc(ended_after, "ended_after")
        await self._delete(invitations, self.mine(invitations) & (invitations.c.valid_until < cutoff))
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(invitations.c.data).where(self.mine(invitations)))).all()
        return [row[0] for row in rows]

    # -- session tokens: revoked sessions and disabled users (server/auth/revocations.py, server/auth/feature.py)

    async def save_revocation(self, sid: str, until: datetime) -> None:
        """Record that session ``sid`` is revoked until ``until`` (idempotent; the later ``until`` wins)."""
        check_id(sid, "sid")
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(revocations).values(sid=sid, until=as_utc(until, "until"))
        statement = statement.on_conflict_do_update(
            index_elements=[revocations.c.sid], set_={"until": statement.excluded.until}
        )
        async with self.engine.begin() as connection:
            await connection.execute(statement)

    async def load_revocations(self, now: datetime | None = None) -> dict[str, datetime]:
        """Sessions still revoked at ``now``, with their end; those past their end are deleted."""
        now = utcnow() if now is None else as_utc(now, "now")
        await self._delete(revocations, revocations.c.until <= now)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(revocations.c.sid, revocations.c.until))).all()
        return {row.sid: row.until for row in rows}

    async def disable_user(self, user_id: str, *, by: str = "") -> bool:
        """Disable a user (every token of theirs refused) and audit it; False if they were disabled already."""
        check_id(user_id, "user_id")
        async with self.engine.begin() as connection:
            query = select(disabled_users.c.user_id).where(disabled_users.c.user_id == user_id)
            if (await connection.execute(query)).first() is not None:
                return False
            await connection.execute(insert(disabled_users).values(user_id=user_id, at=utcnow(), by=by[:128]))
            record = AuditEvent("user_disabled", user_id, None, f"by={by}" if by else "")
            await connection.execute(insert(audit), [_fields(record, AUDIT_FIELDS) | self._college])
        return True

    async def enable_user(self, user_id: str, *, by: str = "") -> bool:
        """Enable a disabled user again and audit it; False if they were not disabled."""
        check_id(user_id, "user_id")
        async with self.engine.begin() as connection:
            if not await _count_deleted(connection, disabled_users, disabled_users.c.user_id == user_id):
                return False
            record = AuditEvent("user_enabled", user_id, None, f"by={by}" if by else "")
            await connection.execute(insert(audit), [_fields(record, AUDIT_FIELDS) | self._college])
        return True

    async def disabled_users(self) -> set[str]:
        """Every disabled user id."""
        async with self.engine.connect() as connection:
            return {row[0] for row in (await connection.execute(select(disabled_users.c.user_id))).all()}

    # -- retention and erasure (docs/persistence.md)

    async def purge_expired(
        self,
        now: datetime | None = None,
        *,
        chat_retention: timedelta = CHAT_RETENTION,
        audit_retention: timedelta = AUDIT_RETENTION,
    ) -> tuple[int, int]:
        """Apply the retention periods; returns (chat lines, audit events) deleted. The server calls it hourly."""
        now = utcnow() if now is None else as_utc(now, "now")
        chat_lines = await self.purge_chat(now - chat_retention)
        audit_events = await self.purge_audit(now - audit_retention)
        if chat_lines or audit_events:
            log.info("retention: purged %d chat lines and %d audit events", chat_lines, audit_events)
        return chat_lines, audit_events

    async def export_user(self, user_id: str) -> UserData:
        """Everything stored about ``user_id``: their place, chat lines sent or received, audit events."""
        check_id(user_id, "user_id")
        chat_query = (
            select(chat.c.room_id, chat.c.sender, chat.c.recipient, chat.c.text, chat.c.created_at)
            .where(self.mine(chat), or_(chat.c.sender == user_id, chat.c.recipient == user_id))
            .order_by(chat.c.created_at, chat.c.id)
        )
        audit_query = (
            select(audit.c.event, audit.c.user_id, audit.c.room_id, audit.c.detail, audit.c.at)
            .where(self.mine(audit), audit.c.user_id == user_id)
            .order_by(audit.c.at, audit.c.id)
        )
        async with self.engine.connect() as connection:
            lines = (await connection.execute(chat_query)).all()
            events = (await connection.execute(audit_query)).all()
        return UserData(
            user_id,
            await self.load_place(user_id),
            [ChatRecord(**row._mapping) for row in lines],
            [AuditEvent(**row._mapping) for row in events],
        )

    async def known_users(self, fragment: str, limit: int = 50) -> list[str]:
        """User ids the database holds something about (a place, a chat line, an audit event) that contain
        ``fragment`` (case-insensitive), sorted; at most ``limit``."""
        pattern = "%" + fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ids = union(
            select(places.c.user_id.label("id")).where(self.mine(places)),
            select(chat.c.sender.label("id")).where(self.mine(chat)),
            select(chat.c.recipient.label("id")).where(self.mine(chat), chat.c.recipient.is_not(None)),
            select(audit.c.user_id.label("id")).where(self.mine(audit), audit.c.user_id.is_not(None)),
        ).subquery()
        query = (
            select(ids.c.id)
            .where(func.lower(ids.c.id).like(pattern, escape="\\"))
            .order_by(ids.c.id)
            .limit(_check_limit(limit))
        )
        async with self.engine.connect() as connection:
            return [row[0] for row in (await connection.execute(query)).all()]

    async def forget_user(self, user_id: str, *, by: str = "", also: Mapping[str, int] | None = None) -> Erased:
        """Erase a user's place, the chat lines they sent or received and their audit events (right to erasure).

        One transaction, which also records the erasure as a ``user_forgotten`` audit event (who asked: ``by``).
        Earlier ``user_forgotten`` events are kept: they are the proof of erasure, and name nothing else.
        ``also``: what other holders erased just before (server/privacy.py), counted in the same proof.
        """
        check_id(user_id, "user_id")
        async with self.engine.begin() as connection:
            erased = Erased(
                places=await _count_deleted(connection, places, self.mine(places) & (places.c.user_id == user_id)),
                chat=await _count_deleted(
                    connection, chat, self.mine(chat) & or_(chat.c.sender == user_id, chat.c.recipient == user_id)
                ),
                audit=await _count_deleted(
                    connection, audit, self.mine(audit) & (audit.c.user_id == user_id) & (audit.c.event != FORGOTTEN)
                ),
            )
            counts = {"places": erased.places, "chat": erased.chat, "audit": erased.audit, **(also or {})}
            detail = " ".join(f"{name}={n}" for name, n in counts.items()) + (f" by={by}" if by else "")
            record = AuditEvent(FORGOTTEN, user_id, None, detail)
            await connection.execute(insert(audit), [_fields(record, AUDIT_FIELDS) | self._college])
        log.info("user forgotten: %s", detail)
        return erased

    # -- helpers

    async def _write(self, statement: Any, records: Sequence[Any], names: Fields, **extra: Any) -> None:
        """Run ``statement`` for every record (its ``names`` fields + ``extra``) in one transaction.

        Making rows and binding them is synchronous work on the event loop: CHUNK records per call
        keep each stall short (a few ms) even when a backlog is written after an outage.
        """
        if not records:
            return
        extra["college"] = self.college
        async with self.engine.begin() as connection:
            for start in range(0, len(records), CHUNK):
                rows = [_fields(r, names) | extra for r in records[start : start + CHUNK]]
                await connection.execute(statement, rows)

    async def _delete(self, table: Table, condition: ColumnElement[bool]) -> int:
        async with self.engine.begin() as connection:
            return await _count_deleted(connection, table, condition)


def _fields(record: object, names: Fields) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


async def _count_deleted(connection: AsyncConnection, table: Table, condition: ColumnElement[bool]) -> int:
    return (await connection.execute(delete(table).where(condition))).rowcount


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 10_000:
        raise ValueError(f"limit must be an integer in 0..10000, got {limit!r}")
    return limit
