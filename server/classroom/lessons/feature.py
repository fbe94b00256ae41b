"""The lessons in the world (a feature): the lessons to come in memory, the attendance of the running ones
written behind as people enter and leave their room, the portal's operations, and ``GET /api/lessons/next``.

A lesson's attendance is who was in its room between its start and its end: someone already there when it starts
is counted from the start; someone still there when it ends, until the end. Walking out and back within a minute
continues the same row (as the room's attendance does, server/classroom/control.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from cybercollege.server.classroom.control import REENTRY_MERGE_S
from cybercollege.server.classroom.lessons.model import (
    MAX_BOARD_BYTES,
    MAX_FUTURE_PER_TEACHER,
    RETENTION,
    Checked,
    Lesson,
    Presence,
    new_id,
)
from cybercollege.server.classroom.lessons.personal import LessonAttendance
from cybercollege.server.classroom.lessons.store import LessonStore
from cybercollege.server.classroom.rooms import Classroom
from cybercollege.server.core.feature import Feature, Route
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.http import bearer_identity
from cybercollege.server.persistence.records import AuditEvent, utcnow

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar
    from cybercollege.server.core.room import Room
    from cybercollege.server.persistence import Store

log = logging.getLogger("cybercollege.lessons")

FLUSH_S = 1.0
PURGE_EVERY = timedelta(hours=1)
MAX_PENDING = 100_000
"""Attendance rows kept in memory while the database is down (the oldest go first)."""
MERGE = timedelta(seconds=REENTRY_MERGE_S)
Key = tuple[str, str]


class TooMany(Exception):
    """The teacher has ``MAX_FUTURE_PER_TEACHER`` lessons to come already."""


class Lessons(Feature):
    """Lessons: what the portal schedules, and who comes."""

    name = "lessons"

    def __init__(self, store: Store, timezone: str = "Europe/Paris") -> None:
        self.store = LessonStore(store)
        self.zone = ZoneInfo(timezone)
        self.coming: dict[str, Lesson] = {}
        """Lessons not cancelled that have not ended, by id."""
        self.running: dict[str, Lesson] = {}
        """Those of ``coming`` going on now: the only ones a room's comings and goings are checked against."""
        self._starts: list[tuple[datetime, str]] = []
        """A heap of the starts of those to come (entries of changed or cancelled lessons are skipped)."""
        self._of: dict[str, set[str]] = {}
        """Ids of ``coming`` by ``class:<uai>:<class>`` and ``teacher:<user id>``: a next lesson is found at once."""
        self.present: dict[Key, Presence] = {}
        """The last row of each (lesson, person) of the running lessons."""
        self.pending: dict[tuple[str, str, datetime], Presence] = {}
        """Rows not yet written (the latest version of each)."""
        self.writing: dict[tuple[str, str, datetime], Presence] = {}
        """The batch being written: not yet readable from the database."""
        self.write_lock = asyncio.Lock()
        """Held while a batch is written (an erasure waits for it: the batch must not bring her rows back)."""
        self.boards: dict[tuple[str, str], tuple[int, bytes]] = {}
        """Boards kept at their lesson's end, not yet written: (lesson id, board id) -> (seq, snapshot)."""
        self._keeping: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._purged: datetime | None = None

    # --- declarations ----------------------------------------------------------------------------------

    def routes(self) -> Iterable[Route]:
        return [Route("GET", "/api/lessons/next", functools.partial(next_lesson, self))]

    def personal_data(self) -> Iterable[LessonAttendance]:
        return (LessonAttendance(self),)

    async def start(self) -> None:
        now = utcnow()
        for lesson in await self.store.to_come(now):
            self._remember(lesson, now)
        self._task = asyncio.create_task(self._run(), name="lessons-write-behind")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        now = utcnow()
        for key, row in list(self.present.items()):
            if row.left is None:
                self._put(key, row, left=now)
        if not await self.flush():
            log.error("could not save %d lesson attendance rows at shutdown", len(self.pending))
        if not await self.save_boards():
            log.error("could not keep %d lesson boards at shutdown", len(self.boards))

    # --- who comes and goes --------------------------------------------------------------------------------

    def running_in(self, room_id: str, now: datetime) -> list[Lesson]:
        return [lesson for lesson in self.running.values() if lesson.room_id == room_id and lesson.running(now)]

    def joined(self, a: Avatar, room: Room) -> None:
        now = utcnow()
        for lesson in self.running_in(room.id, now):
            self._arrive(lesson, a.identity, now)

    def left(self, a: Avatar, room: Room) -> None:
        now = utcnow()
        for lesson in self.running_in(room.id, now):
            self._leave(lesson, a.identity.user_id, now)

    def every_second(self) -> None:
        """Lessons that start count who is in the room already; those that end close their rows."""
        now = utcnow()
        while self._starts and self._starts[0][0] <= now:
            start, lesson_id = heapq.heappop(self._starts)
            lesson = self.coming.get(lesson_id)
            if lesson is not None and lesson.start == start and lesson_id not in self.running:
                self._begin(lesson, now)
        for lesson in [x for x in self.running.values() if x.end <= now]:
            self._close(lesson, lesson.end)
            self._keep_boards(lesson)
            self._forget(lesson.id)

    def _begin(self, lesson: Lesson, now: datetime) -> None:
        """It starts (or moved to now): count who is in its room already."""
        if lesson.end <= now:
            self._forget(lesson.id)  # over before it could start (the server was down)
            return
        self.running[lesson.id] = lesson
        room = self.world.rooms.get(lesson.room_id)
        for a in list(room.members.values()) if room is not None else ():
            self._arrive(lesson, a.identity, now)

    def _arrive(self, lesson: Lesson, who: Identity, now: datetime) -> None:
        key = (lesson.id, who.user_id)
        last = self.present.get(key)
        if last is not None and last.left is None:
            return
        if last is not None and last.left is not None and now - last.left <= MERGE:
            self._put(key, last, left=None)  # back at once: the same stay goes on
            return
        self._put(key, Presence(lesson.id, who.user_id, who.display_name, who.role.value, now))

    def _leave(self, lesson: Lesson, user_id: str, now: datetime) -> None:
        key = (lesson.id, user_id)
        last = self.present.get(key)
        if last is not None and last.left is None:
            self._put(key, last, left=now)

    def _close(self, lesson: Lesson, at: datetime) -> None:
        for key, row in [(k, r) for k, r in self.present.items() if k[0] == lesson.id]:
            if row.left is None:
                self._put(key, row, left=at)
            del self.present[key]
        self.running.pop(lesson.id, None)

    def _keep_boards(self, lesson: Lesson) -> None:
        """Its room's boards as they are now, at its end (within the second): kept for its page's PDF."""
        room = self.world.rooms.get(lesson.room_id)
        if not isinstance(room, Classroom):
            return
        if not room.loaded:  # nobody came since the server started: the board is in the database as it was
            task = asyncio.create_task(self._keep_when_loaded(lesson, room), name=f"keep-{lesson.id}")
            self._keeping.add(task)
            task.add_done_callback(self._keeping.discard)
            return
        for host in room.boards.values():
            state = host.board.snapshot()
            if len(state) > MAX_BOARD_BYTES:
                log.warning("lesson %s: board %s not kept, %d bytes (at most %d)", lesson.id, host.id, len(state),
                            MAX_BOARD_BYTES)  # fmt: skip
                continue
            self.boards[(lesson.id, host.id)] = (host.board.seq, state)

    async def _keep_when_loaded(self, lesson: Lesson, room: Classroom) -> None:
        await room.ready()
        self._keep_boards(lesson)

    async def save_boards(self) -> bool:
        """Write the boards kept at their lessons' ends; False (kept for the next time) if the database refused."""
        batch, self.boards = self.boards, {}
        if not batch:
            return True
        try:
            await self.store.save_boards([(lesson, board, *kept) for (lesson, board), kept in batch.items()])
        except Exception as exc:
            self.boards = batch | self.boards
            log.warning("could not keep %d lesson boards, will retry: %s", len(batch), exc)
            return False
        return True

    async def kept_board(self, lesson: Lesson, board_id: str) -> bytes | None:
        """The board ``board_id`` as it was at ``lesson``'s end (kept, or about to be written), or None."""
        waiting = self.boards.get((lesson.id, board_id))
        return waiting[1] if waiting is not None else await self.store.board(lesson.id, board_id)

    async def kept_boards(self, lesson: Lesson) -> set[str]:
        return {b for (lesson_id, b) in self.boards if lesson_id == lesson.id} | await self.store.kept_boards(lesson.id)

    def _put(self, key: Key, row: Presence, **changes: datetime | None) -> None:
        if changes:
            row = Presence(row.lesson_id, row.user_id, row.display_name, row.role, row.joined,
                           changes.get("left", row.left))  # fmt: skip
        self.present[key] = row
        self.pending[(row.lesson_id, row.user_id, row.joined)] = row
        while len(self.pending) > MAX_PENDING:
            del self.pending[next(iter(self.pending))]

    # --- writing behind ----------------------------------------------------------------------------------

    async def flush(self) -> bool:
        """Write the pending rows; False (and kept for the next time) if the database refused."""
        async with self.write_lock:
            batch, self.pending = self.pending, {}
            if not batch:
                return True
            self.writing = batch
            try:
                await self.store.save_presences(list(batch.values()))
            except Exception as exc:
                self.pending = batch | self.pending
                log.warning("could not write %d lesson attendance rows, will retry: %s", len(batch), exc)
                return False
            finally:
                self.writing = {}
            return True

    def unwritten(self) -> list[Presence]:
        """Rows not readable from the database yet: being written, or waiting (the latest version of each)."""
        return list((self.writing | self.pending).values())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            await self.flush()
            await self.save_boards()
            now = utcnow()
            if self._purged is None or now - self._purged >= PURGE_EVERY:
                self._purged = now
                try:
                    gone = await self.store.purge(now - RETENTION)
                except Exception as exc:
                    log.warning("could not purge old lessons: %s", exc)
                else:
                    if gone:
                        log.info("retention: purged %d lessons and their attendance", gone)

    # --- what the portal does (every method checks who asks) -----------------------------------------------

    def classes_for(self, me: Identity) -> list[str]:
        """The classes she may schedule: hers (from her ENT); staff, every class a room admits."""
        if me.role is Role.TEACHER:
            return list(me.classes)
        return sorted({c for admitted in self.class_rooms().values() for c in admitted})

    def class_rooms(self) -> dict[str, tuple[str, ...]]:
        """Room id -> the classes its access admits (rooms for one class or a few)."""
        return {room.id: tuple(room.spec.access.classes) for room in self.world.rooms.values()
                if room.spec.access.policy == "class"}  # fmt: skip

    def may_see(self, me: Identity, lesson: Lesson) -> bool:
        """Her own lessons; staff, every lesson of their school."""
        if lesson.school_uai != me.school_uai:
            return False
        return lesson.teacher_id == me.user_id or me.role is Role.STAFF

    async def visible(self, me: Identity, lesson_id: str) -> Lesson | None:
        lesson = self.coming.get(lesson_id) or await self.store.get(lesson_id)
        return lesson if lesson is not None and self.may_see(me, lesson) else None

    async def listed(self, me: Identity, now: datetime) -> tuple[list[Lesson], list[Lesson]]:
        if me.role is Role.STAFF:
            return await self.store.listed(now=now, school_uai=me.school_uai)
        return await self.store.listed(now=now, teacher_id=me.user_id)

    async def create(self, me: Identity, values: Checked) -> Lesson:
        now = utcnow()
        if len(self._of.get(f"teacher:{me.user_id}", ())) >= MAX_FUTURE_PER_TEACHER:
            raise TooMany
        start, end = values.start.astimezone(UTC), values.end.astimezone(UTC)
        lesson = Lesson(new_id(), me.school_uai or "", values.class_name, values.room_id, me.user_id,
                        me.display_name, start, end, values.title)  # fmt: skip
        await self.store.save(lesson)
        self._remember(lesson, now)
        self._audit("lesson_created", me, lesson)
        return lesson

    async def change(self, me: Identity, lesson: Lesson, values: Checked) -> Lesson:
        now = utcnow()
        changed = lesson.changed(class_name=values.class_name, room_id=values.room_id, title=values.title,
                                 start=values.start.astimezone(UTC), end=values.end.astimezone(UTC))  # fmt: skip
        await self.store.save(changed)
        if lesson.id in self.running and (changed.room_id != lesson.room_id or not changed.running(now)):
            self._close(lesson, now)  # its room or its time moved: the rows so far stay
        self._remember(changed, now)
        self._audit("lesson_changed", me, changed)
        return changed

    async def invite(self, me: Identity, lesson: Lesson, invitation_id: str) -> Lesson:
        """The lesson's partner class: the invitation ``invitation_id`` (the portal's « Nouvelle invitation »)."""
        invited = lesson.changed(invitation_id=invitation_id)
        await self.store.save(invited)
        self._remember(invited, utcnow())
        self._audit("lesson_invitation", me, invited)
        return invited

    async def cancel(self, me: Identity, lesson: Lesson) -> Lesson:
        now = utcnow()
        cancelled = lesson.changed(cancelled=now)
        await self.store.save(cancelled)
        if lesson.id in self.running:
            self._close(lesson, now)
        self._forget(lesson.id)
        self._audit("lesson_cancelled", me, cancelled)
        return cancelled

    async def attendance(self, lesson: Lesson) -> list[Presence]:
        """The lesson's rows, with those not yet written (they are on their way)."""
        rows = {(r.user_id, r.joined): r for r in await self.store.attendance(lesson.id)}
        for row in self.unwritten():
            if row.lesson_id == lesson.id:
                rows[(row.user_id, row.joined)] = row
        return sorted(rows.values(), key=lambda r: (r.joined, r.user_id))

    def next_for(self, me: Identity, now: datetime) -> Lesson | None:
        """Her next lesson today that has not ended (a pupil: her classes'; a teacher or staff: hers)."""
        midnight = (now.astimezone(self.zone) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        keys = [f"teacher:{me.user_id}"]
        if me.role is Role.PUPIL:
            keys = [f"class:{me.school_uai}:{c}" for c in me.classes]
        ids = {lesson_id for key in keys for lesson_id in self._of.get(key, ())}
        today = [x for x in map(self.coming.__getitem__, ids) if _mine(me, x) and now < x.end and x.start < midnight]
        return min(today, key=lambda lesson: (lesson.start, lesson.id), default=None)

    def _remember(self, lesson: Lesson, now: datetime) -> None:
        """Keep ``lesson`` (new or changed) in memory while it is to come or going on."""
        self._forget(lesson.id)
        if lesson.cancelled is not None or lesson.end <= now:
            return
        self.coming[lesson.id] = lesson
        for key in _keys(lesson):
            self._of.setdefault(key, set()).add(lesson.id)
        if lesson.start <= now:
            self._begin(lesson, now)
        else:
            heapq.heappush(self._starts, (lesson.start, lesson.id))

    def _forget(self, lesson_id: str) -> None:
        lesson = self.coming.pop(lesson_id, None)
        self.running.pop(lesson_id, None)
        if lesson is None:
            return
        for key in _keys(lesson):
            ids = self._of.get(key)
            if ids is not None:
                ids.discard(lesson_id)
                if not ids:
                    del self._of[key]

    def _audit(self, event: str, me: Identity, lesson: Lesson) -> None:
        writer = self.world.writer
        if writer is None:
            return
        start = lesson.start.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        detail = f"lesson={lesson.id} class={lesson.class_name} start={start} title={lesson.title}"
        writer.audit(AuditEvent(event, me.user_id, lesson.room_id, detail))


def _keys(lesson: Lesson) -> tuple[str, str]:
    """Where ``Lessons._of`` files a lesson: under its class (of its school) and its teacher."""
    return f"class:{lesson.school_uai}:{lesson.class_name}", f"teacher:{lesson.teacher_id}"


def _mine(me: Identity, lesson: Lesson) -> bool:
    """A pupil's class has the lesson; a teacher or staff member gives it."""
    if me.role is Role.PUPIL:
        return lesson.school_uai == me.school_uai and lesson.class_name in me.classes
    return me.role in (Role.TEACHER, Role.STAFF) and lesson.teacher_id == me.user_id


def as_json(lesson: Lesson, room_name: str, zone: ZoneInfo) -> dict[str, object]:
    start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
    return {"id": lesson.id, "title": lesson.title, "class": lesson.class_name, "room": lesson.room_id,
            "room_name": room_name, "start": start.isoformat(), "end": end.isoformat(),
            "start_local": start.strftime("%H:%M"), "end_local": end.strftime("%H:%M"),
            "teacher": lesson.teacher_name}  # fmt: skip


async def next_lesson(lessons: Lessons, request: web.Request) -> web.Response:
    """``GET /api/lessons/next``: ``{"lesson": {...}}`` (today's next lesson of the caller), or ``{"lesson": null}``."""
    me = bearer_identity(request)
    lesson = lessons.next_for(me, utcnow())
    if lesson is None:
        return web.json_response({"lesson": None}, headers={"Cache-Control": "no-store"})
    room = lessons.world.rooms.get(lesson.room_id)
    body = as_json(lesson, room.spec.name if room is not None else lesson.room_id, lessons.zone)
    return web.json_response({"lesson": body}, headers={"Cache-Control": "no-store"})
