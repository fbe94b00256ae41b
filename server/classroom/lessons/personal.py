"""The lessons' attendance as a holder of personal data (server/persistence/personal.py): a family's request of
access or erasure covers the rows written and those still in memory."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cybercollege.server.classroom.lessons.feature import Lessons


class LessonAttendance:
    """Who was in a lesson's room, from when to when (table ``lesson_attendance``)."""

    name = "lesson_attendance"
    kept = "a year after the lesson ended (with the lesson)"

    def __init__(self, lessons: Lessons) -> None:
        self.lessons = lessons

    async def export(self, user_id: str) -> list[dict[str, Any]]:
        rows = {(r.lesson_id, r.joined): r for r in await self.lessons.store.attendance_of_user(user_id)}
        rows.update(((r.lesson_id, r.joined), r) for r in self.lessons.unwritten() if r.user_id == user_id)
        return [_plain(asdict(r)) for r in sorted(rows.values(), key=lambda r: r.joined)]

    async def forget(self, user_id: str) -> int:
        lessons = self.lessons
        async with lessons.write_lock:  # after a batch being written, which may hold her rows
            unwritten = [key for key, row in lessons.pending.items() if row.user_id == user_id]
            for row_key in unwritten:
                del lessons.pending[row_key]
            for stay_key in [k for k in lessons.present if k[1] == user_id]:
                del lessons.present[stay_key]
            return await lessons.store.forget_user(user_id) + len(unwritten)

    def names(self) -> dict[str, str]:
        return {row.user_id: row.display_name for row in self.lessons.present.values()}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
