"""A scheduled lesson, its attendance rows, and the checks of what a teacher types in the portal's form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MAX_TITLE_CHARS = 120
MAX_FUTURE_PER_TEACHER = 200
"""Lessons to come one teacher may have scheduled (a year of a full timetable is about 150 per class)."""
MAX_LENGTH = timedelta(hours=8)
MAX_AHEAD = timedelta(days=400)
"""How far ahead a lesson may be scheduled (the school year and the next)."""
RETENTION = timedelta(days=365)
"""Lessons and their attendance are deleted a year after the lesson ended (docs/persistence.md)."""
MAX_BOARD_BYTES = 8 * 1024 * 1024
"""A board kept at a lesson's end (its snapshot) at most: a larger one is not kept (its page says so)."""


@dataclass(frozen=True, slots=True)
class Lesson:
    """One lesson; ``start`` and ``end`` are timezone-aware (UTC from the store)."""

    id: str
    school_uai: str
    class_name: str
    room_id: str
    teacher_id: str
    teacher_name: str
    start: datetime
    end: datetime
    title: str
    invitation_id: str | None = None
    cancelled: datetime | None = None

    def running(self, now: datetime) -> bool:
        """Its room's comings and goings count for its attendance now."""
        return self.cancelled is None and self.start <= now < self.end

    def changed(self, **values: object) -> Lesson:
        return replace(self, **values)  # type: ignore[arg-type]


def new_id() -> str:
    return "l-" + secrets.token_urlsafe(9)


@dataclass(frozen=True, slots=True)
class Presence:
    """One stay of one person in the lesson's room: ``left`` is None while she is there."""

    lesson_id: str
    user_id: str
    display_name: str
    role: str
    joined: datetime
    left: datetime | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """What the form holds (every field as typed, so that nothing is lost when it comes back with errors)."""

    class_name: str = ""
    room_id: str = ""
    day: str = ""
    start: str = ""
    end: str = ""
    title: str = ""

    @classmethod
    def of(cls, lesson: Lesson, zone: tzinfo) -> Draft:
        start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
        return cls(lesson.class_name, lesson.room_id, start.date().isoformat(), start.strftime("%H:%M"),
                   end.strftime("%H:%M"), lesson.title)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Checked:
    """A draft's values once checked: the times are aware, in the college's zone."""

    class_name: str
    room_id: str
    start: datetime
    end: datetime
    title: str


def check(
    draft: Draft, *, classes: list[str], rooms: dict[str, tuple[str, ...]], zone: tzinfo, now: datetime
) -> tuple[Checked | None, dict[str, str]]:
    """The checked values, or the errors by field (catalogue keys ``portal.lessons.error.*``).

    ``classes``: those she may choose; ``rooms``: room id -> the classes its access admits.
    """
    errors: dict[str, str] = {}
    if draft.class_name not in classes:
        errors["class_name"] = "lessons.error.class"
    if draft.room_id not in rooms:
        errors["room_id"] = "lessons.error.room"
    elif "class_name" not in errors and draft.class_name not in rooms[draft.room_id]:
        errors["room_id"] = "lessons.error.room_class"
    title = " ".join(draft.title.split())
    if not title:
        errors["title"] = "lessons.error.title"
    elif len(title) > MAX_TITLE_CHARS:
        errors["title"] = "lessons.error.title_long"
    begins, ends = _times(draft, zone, now, errors)
    if errors or begins is None or ends is None:
        return None, errors
    return Checked(draft.class_name, draft.room_id, begins, ends, title), {}


def _times(draft: Draft, zone: tzinfo, now: datetime, errors: dict[str, str]) -> tuple[datetime | None, ...]:
    """The draft's start and end in ``zone``; what is wrong goes into ``errors``."""
    day, start, end = _day(draft.day), _clock(draft.start), _clock(draft.end)
    if day is None:
        errors["day"] = "lessons.error.day"
    if start is None:
        errors["start"] = "lessons.error.time"
    if end is None:
        errors["end"] = "lessons.error.time"
    if day is None or start is None or end is None:
        return None, None
    begins, ends = _at(day, start, zone), _at(day, end, zone)
    if begins is None:
        errors["start"] = "lessons.error.no_such_time"
    if ends is None:
        errors["end"] = "lessons.error.no_such_time"
    if begins is None or ends is None:
        return None, None
    if ends <= begins:
        errors["end"] = "lessons.error.end_before_start"
    elif ends - begins > MAX_LENGTH:
        errors["end"] = "lessons.error.too_long"
    if ends <= now:
        errors["day"] = "lessons.error.past"
    elif begins - now > MAX_AHEAD:
        errors["day"] = "lessons.error.too_far"
    return begins, ends


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    text = text.strip().lower().replace("h", ":").rstrip(":")
    try:
        parsed = time.fromisoformat(text if len(text) > 2 else f"{text}:00")
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0)


def _at(day: date, clock: time, zone: tzinfo) -> datetime | None:
    """``day`` at ``clock`` in ``zone``, or None for a time the clock change skips (02:30 in late March)."""
    local = datetime.combine(day, clock, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)  # a skipped time comes back shifted
    return local if (back.hour, back.minute) == (clock.hour, clock.minute) else None
