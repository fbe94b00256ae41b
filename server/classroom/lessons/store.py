"""The lessons' tables (``lessons``, ``lesson_attendance``, migration 0006; ``lesson_boards``, 0008) on the server's
database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from cybercollege.server.classroom.lessons.model import Lesson, Presence
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import as_utc, utcnow
from cybercollege.server.persistence.schema import lesson_attendance, lesson_boards, lessons

LESSON_FIELDS = ("id", "school_uai", "class_name", "room_id", "teacher_id", "teacher_name", "start", "end",
                 "title", "invitation_id", "cancelled")  # fmt: skip
PRESENCE_FIELDS = ("lesson_id", "user_id", "display_name", "role", "joined", "left")
LIST_LIMIT = 200
"""Lessons a list shows at most (of those to come, and of those past)."""


class LessonStore:
    """Reads and writes lessons and their attendance through a started :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _lessons(self) -> Any:
        """The lessons of the store's collège (each collège sees only its own)."""
        return select(*(lessons.c[name] for name in LESSON_FIELDS)).where(self.store.mine(lessons))

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.store.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    async def save(self, lesson: Lesson) -> None:
        """Insert or replace one lesson."""
        statement = self._insert(lessons).values(**asdict(lesson), college=self.store.college)
        statement = statement.on_conflict_do_update(
            index_elements=[lessons.c.id], set_={name: statement.excluded[name] for name in LESSON_FIELDS[1:]}
        )
        async with self.store.engine.begin() as connection:
            await connection.execute(statement)

    async def get(self, lesson_id: str) -> Lesson | None:
        async with self.store.engine.connect() as connection:
            row = (await connection.execute(self._lessons().where(lessons.c.id == lesson_id))).first()
        return None if row is None else Lesson(**row._mapping)

    async def listed(self, *, now: datetime, teacher_id: str | None = None, school_uai: str | None = None
                     ) -> tuple[list[Lesson], list[Lesson]]:  # fmt: skip
        """Those to come (the next first) and those past (the latest first), of one teacher or of a school."""
        query = self._lessons()
        if teacher_id is not None:
            query = query.where(lessons.c.teacher_id == teacher_id)
        if school_uai is not None:
            query = query.where(lessons.c.school_uai == school_uai)
        now = as_utc(now, "now")
        coming = query.where(lessons.c.end > now).order_by(lessons.c.start, lessons.c.id).limit(LIST_LIMIT)
        past = query.where(lessons.c.end <= now).order_by(lessons.c.start.desc(), lessons.c.id).limit(LIST_LIMIT)
        async with self.store.engine.connect() as connection:
            first = [Lesson(**row._mapping) for row in await connection.execute(coming)]
            then = [Lesson(**row._mapping) for row in await connection.execute(past)]
        return first, then

    async def to_come(self, now: datetime) -> list[Lesson]:
        """Every lesson not cancelled that has not ended at ``now`` (the world keeps them in memory)."""
        query = self._lessons().where(lessons.c.end > as_utc(now, "now"), lessons.c.cancelled.is_(None))
        async with self.store.engine.connect() as connection:
            return [Lesson(**row._mapping) for row in await connection.execute(query.order_by(lessons.c.start))]

    async def save_presences(self, rows: Sequence[Presence]) -> None:
        """Insert or update attendance rows in one transaction (a row is its lesson, person and arrival)."""
        latest = {(r.lesson_id, r.user_id, r.joined): r for r in rows}
        if not latest:
            return
        statement = self._insert(lesson_attendance)
        statement = statement.on_conflict_do_update(
            index_elements=[lesson_attendance.c.lesson_id, lesson_attendance.c.user_id, lesson_attendance.c.joined],
            set_={"left": statement.excluded.left, "display_name": statement.excluded.display_name},
        )
        async with self.store.engine.begin() as connection:
            await connection.execute(statement, [asdict(r) for r in latest.values()])

    async def attendance(self, lesson_id: str) -> list[Presence]:
        """The lesson's attendance, by arrival."""
        query = (select(lesson_attendance).where(lesson_attendance.c.lesson_id == lesson_id)
                 .order_by(lesson_attendance.c.joined, lesson_attendance.c.user_id))  # fmt: skip
        async with self.store.engine.connect() as connection:
            return [Presence(**row._mapping) for row in await connection.execute(query)]

    async def attendance_of_user(self, user_id: str) -> list[Presence]:
        """Every lesson attendance row of one person (a family's request of access)."""
        query = select(lesson_attendance).where(lesson_attendance.c.user_id == user_id)
        async with self.store.engine.connect() as connection:
            rows = await connection.execute(query.order_by(lesson_attendance.c.joined))
            return [Presence(**row._mapping) for row in rows]

    async def forget_user(self, user_id: str) -> int:
        """Delete one person's attendance rows (the right to erasure); returns how many."""
        async with self.store.engine.begin() as connection:
            done = await connection.execute(delete(lesson_attendance).where(lesson_attendance.c.user_id == user_id))
        return done.rowcount

    async def save_boards(self, boards: Sequence[tuple[str, str, int, bytes]]) -> None:
        """Keep ``(lesson id, board id, seq, state)``: a board as it was at its lesson's end (one transaction)."""
        if not boards:
            return
        now, college = utcnow(), self.store.college
        rows = [{"lesson_id": lesson, "board_id": board, "college": college, "seq": seq, "state": state, "at": now}
                for lesson, board, seq, state in boards]  # fmt: skip
        statement = self._insert(lesson_boards)
        statement = statement.on_conflict_do_update(
            index_elements=[lesson_boards.c.lesson_id, lesson_boards.c.board_id],
            set_={name: statement.excluded[name] for name in ("seq", "state", "at")},
        )
        async with self.store.engine.begin() as connection:
            await connection.execute(statement, rows)

    async def board(self, lesson_id: str, board_id: str) -> bytes | None:
        """The board's state kept at the lesson's end, or None."""
        query = select(lesson_boards.c.state).where(
            self.store.mine(lesson_boards), lesson_boards.c.lesson_id == lesson_id, lesson_boards.c.board_id == board_id
        )
        async with self.store.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else bytes(row.state)

    async def kept_boards(self, lesson_id: str) -> set[str]:
        """The ids of the boards kept at the lesson's end."""
        query = select(lesson_boards.c.board_id).where(self.store.mine(lesson_boards),
                                                       lesson_boards.c.lesson_id == lesson_id)  # fmt: skip
        async with self.store.engine.connect() as connection:
            return {row.board_id for row in await connection.execute(query)}

    async def purge(self, ended_before: datetime) -> int:
        """Delete the lessons that ended before ``ended_before``, with their attendance and boards; returns how many
        lessons."""
        mine = self.store.mine(lessons)
        old = select(lessons.c.id).where(mine, lessons.c.end < as_utc(ended_before, "ended_before"))
        async with self.store.engine.begin() as connection:
            await connection.execute(delete(lesson_attendance).where(lesson_attendance.c.lesson_id.in_(old)))
            await connection.execute(delete(lesson_boards).where(lesson_boards.c.lesson_id.in_(old)))
            return (await connection.execute(delete(lessons).where(mine, lessons.c.end < ended_before))).rowcount

    async def count(self) -> int:
        async with self.store.engine.connect() as connection:
            query = select(func.count()).select_from(lessons).where(self.store.mine(lessons))
            return int((await connection.execute(query)).scalar_one())
