"""Lessons: what the form accepts (in the college's zone, clock changes included), the tables on SQLite and
PostgreSQL, and the attendance the world writes as people enter and leave the lesson's room during its time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cybercollege.server.classroom.lessons.feature import Lessons, TooMany
from cybercollege.server.classroom.lessons.model import MAX_FUTURE_PER_TEACHER, Checked, Draft, Lesson, Presence, check
from cybercollege.server.classroom.lessons.store import LessonStore
from cybercollege.server.edge.services import Services
from cybercollege.server.persistence import Store
from tests.server.conftest import Connect
from tests.server.persistence.conftest import db_url, store  # noqa: F401  (fixtures: SQLite and PostgreSQL)
from tests.server.test_teacher import in_room
from tests.server.waits import HANG, until

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
ROOMS = {"salle-103": ("4A", "4B"), "salle-101": ("6A", "6B")}
GOOD = Draft("4A", "salle-103", "2026-12-02", "10:00", "11:00", "  Mathématiques   ")


def checked(draft: Draft, now: datetime = NOW) -> tuple[Checked | None, dict[str, str]]:
    return check(draft, classes=["4A", "6A"], rooms=ROOMS, zone=PARIS, now=now)


def test_a_lesson_is_read_in_the_colleges_zone() -> None:
    values, errors = checked(GOOD)
    assert errors == {} and values is not None
    assert values.title == "Mathématiques" and values.start == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert values.end - values.start == timedelta(hours=1)
    summer, _ = checked(Draft("4A", "salle-103", "2027-06-02", "10h", "11h30", "SVT"))
    assert summer is not None and summer.start.utcoffset() == timedelta(hours=2)  # the offset of that day


@pytest.mark.parametrize(
    ("draft", "field", "key"),
    [
        (Draft("5B", "salle-103", "2026-12-02", "10:00", "11:00", "M"), "class_name", "lessons.error.class"),
        (Draft("4A", "cdi", "2026-12-02", "10:00", "11:00", "M"), "room_id", "lessons.error.room"),
        (Draft("6A", "salle-103", "2026-12-02", "10:00", "11:00", "M"), "room_id", "lessons.error.room_class"),
        (Draft("4A", "salle-103", "2026-12-02", "10:00", "11:00", "   "), "title", "lessons.error.title"),
        (Draft("4A", "salle-103", "2026-12-02", "10:00", "11:00", "x" * 121), "title", "lessons.error.title_long"),
        (Draft("4A", "salle-103", "02/12/2026", "10:00", "11:00", "M"), "day", "lessons.error.day"),
        (Draft("4A", "salle-103", "2026-12-02", "25:00", "11:00", "M"), "start", "lessons.error.time"),
        (Draft("4A", "salle-103", "2026-12-02", "10:00", "", "M"), "end", "lessons.error.time"),
        (Draft("4A", "salle-103", "2026-12-02", "11:00", "10:00", "M"), "end", "lessons.error.end_before_start"),
        (Draft("4A", "salle-103", "2026-12-02", "08:00", "17:00", "M"), "end", "lessons.error.too_long"),
        (Draft("4A", "salle-103", "2026-12-01", "10:00", "11:00", "M"), "day", "lessons.error.past"),
        (Draft("4A", "salle-103", "2028-12-01", "10:00", "11:00", "M"), "day", "lessons.error.too_far"),
        (Draft("4A", "salle-103", "2027-03-28", "02:30", "04:00", "M"), "start", "lessons.error.no_such_time"),
    ],
)
def test_each_bad_field_gets_its_message(draft: Draft, field: str, key: str) -> None:
    values, errors = checked(draft)
    assert values is None and errors.get(field) == key


def lesson(start: datetime, minutes: int = 55, **values: object) -> Lesson:
    end = start + timedelta(minutes=minutes)
    fields: dict[str, object] = {
        "id": f"l-{start:%H%M}", "school_uai": "0699990Z", "class_name": "4A", "room_id": "salle-103",
        "teacher_id": "demo:mme.durand", "teacher_name": "Claire Durand", "start": start.astimezone(UTC),
        "end": end.astimezone(UTC), "title": "Anglais",
    }  # fmt: skip
    fields |= values
    return Lesson(**fields)  # type: ignore[arg-type]


async def test_the_tables_keep_lessons_and_attendance(store: Store) -> None:  # noqa: F811
    lessons = LessonStore(store)
    first, second = lesson(NOW + timedelta(hours=2)), lesson(NOW + timedelta(hours=1))
    past = lesson(NOW - timedelta(days=2), id="l-past")
    other = lesson(NOW + timedelta(hours=3), id="l-other", teacher_id="demo:m.bernard")
    for one in (first, second, past, other):
        await lessons.save(one)
    assert await lessons.get(first.id) == first
    coming, gone = await lessons.listed(now=NOW, teacher_id="demo:mme.durand")
    assert [x.id for x in coming] == [second.id, first.id] and [x.id for x in gone] == ["l-past"]
    school, _ = await lessons.listed(now=NOW, school_uai="0699990Z")
    assert [x.id for x in school] == [second.id, first.id, "l-other"]
    await lessons.save(second.changed(cancelled=NOW))
    assert {x.id for x in await lessons.to_come(NOW)} == {first.id, "l-other"}

    joined = NOW + timedelta(hours=1, minutes=2)
    row = Presence(first.id, "demo:lea.martin", "Léa Martin", "pupil", joined)
    await lessons.save_presences([row])
    await lessons.save_presences([Presence(first.id, "demo:lea.martin", "Léa Martin", "pupil", joined,
                                           joined + timedelta(minutes=40))])  # fmt: skip
    (saved,) = await lessons.attendance(first.id)
    assert saved.left == joined + timedelta(minutes=40) and saved.joined == joined
    assert len(await lessons.attendance_of_user("demo:lea.martin")) == 1
    await lessons.save_presences([Presence("l-past", "demo:hugo.moreau", "Hugo Moreau", "pupil", past.start)])

    assert await lessons.purge(NOW - timedelta(days=1)) == 1  # the past lesson, with its attendance
    assert await lessons.get("l-past") is None and await lessons.attendance_of_user("demo:hugo.moreau") == []
    assert await lessons.forget_user("demo:lea.martin") == 1 and await lessons.attendance(first.id) == []


def now_paris() -> datetime:
    return datetime.now(PARIS).replace(microsecond=0)


async def schedule(lessons: Lessons, services: Services, start: datetime, end: datetime) -> Lesson:
    teacher = services.directory.users["mme.durand"] if services.directory else None
    assert teacher is not None
    return await lessons.create(teacher, Checked("4A", "salle-103", start, end, "Anglais"))


async def test_the_attendance_is_who_was_in_the_room_during_the_lesson(connect: Connect, services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    lea = await connect("lea.martin")
    await in_room(lea, services)  # there before the lesson starts: counted from its start
    now = now_paris()
    running = await schedule(lessons, services, now - timedelta(minutes=5), now + timedelta(minutes=50))
    await until(lambda: "demo:lea.martin" in {r.user_id for r in lessons.pending.values()}, "Léa counted")
    hugo = await connect("hugo.moreau")
    await in_room(hugo, services)
    await in_room(hugo, services, "hall")  # out and back at once: the same stay goes on
    await in_room(hugo, services)
    await in_room(lea, services, "hall")
    assert await lessons.flush()
    rows = await lessons.store.attendance(running.id)
    by_name = {r.display_name: r for r in rows}
    assert sorted(by_name) == ["Hugo M.", "Léa M."] and len(rows) == 2
    assert by_name["Léa M."].left is not None and by_name["Hugo M."].left is None
    assert by_name["Léa M."].role == "pupil"

    ended = running.changed(end=datetime.now(UTC) - timedelta(seconds=1))  # its end comes
    lessons.coming[running.id] = lessons.running[running.id] = ended
    await until(lambda: running.id not in lessons.coming, "the lesson ended")
    assert await lessons.flush()
    hugo_row = next(r for r in await lessons.store.attendance(running.id) if r.display_name == "Hugo M.")
    assert hugo_row.left is not None  # still there at the end: until the end
    later = await lessons.attendance(running)
    assert len(later) == 2


async def test_nobody_is_counted_outside_the_lessons_time_or_room(connect: Connect, services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    now = now_paris()
    later = await schedule(lessons, services, now + timedelta(hours=1), now + timedelta(hours=2))
    lea = await connect("lea.martin")
    await in_room(lea, services)
    await in_room(lea, services, "hall")
    assert await lessons.flush() and await lessons.store.attendance(later.id) == []


async def test_a_teacher_has_at_most_200_lessons_to_come(services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    now = now_paris()
    for n in range(MAX_FUTURE_PER_TEACHER):
        day = now + timedelta(days=1 + n)
        await schedule(lessons, services, day, day + timedelta(hours=1))
    with pytest.raises(TooMany):
        await schedule(lessons, services, now + timedelta(hours=1), now + timedelta(hours=2))
    assert await lessons.store.count() == MAX_FUTURE_PER_TEACHER
    first = min(lessons.coming.values(), key=lambda lesson: lesson.start)
    assert services.directory is not None
    await lessons.cancel(services.directory.users["mme.durand"], first)  # one less to come: room for another
    await schedule(lessons, services, now + timedelta(hours=1), now + timedelta(hours=2))


async def test_the_next_lesson_is_todays_of_her_class(services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    assert services.directory is not None
    lea, nathan, teacher = (services.directory.users[x] for x in ("lea.martin", "nathan.roux", "mme.durand"))
    now = now_paris()
    soon = await schedule(lessons, services, now + timedelta(minutes=1), now + timedelta(minutes=2))
    await schedule(lessons, services, now + timedelta(days=1, minutes=1), now + timedelta(days=1, minutes=2))
    current = datetime.now(UTC)
    assert lessons.next_for(lea, current) == soon and lessons.next_for(teacher, current) == soon
    assert lessons.next_for(nathan, current) is None  # 5B
    await lessons.cancel(teacher, soon)
    assert lessons.next_for(lea, current) is None  # tomorrow's is not today's


async def test_a_familys_request_covers_her_lesson_attendance(connect: Connect, services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    (holder,) = lessons.personal_data()
    now = now_paris()
    running = await schedule(lessons, services, now - timedelta(minutes=5), now + timedelta(minutes=50))
    lea = await connect("lea.martin")
    await in_room(lea, services)
    await in_room(lea, services, "hall")
    assert await lessons.flush()
    await in_room(lea, services)  # a second stay, not yet written
    exported = await holder.export("demo:lea.martin")
    assert [row["lesson_id"] for row in exported] == [running.id] and exported[0]["display_name"] == "Léa M."
    assert holder.names() == {"demo:lea.martin": "Léa M."}
    assert await holder.forget("demo:lea.martin") >= 1
    assert await holder.export("demo:lea.martin") == [] and await lessons.attendance(running) == []


async def test_a_lesson_that_starts_counts_who_is_there_already(connect: Connect, services: Services) -> None:
    lessons = services.world.features.get(Lessons)
    lea = await connect("lea.martin")
    await in_room(lea, services)
    start = datetime.now(UTC) + timedelta(seconds=1)
    soon = await schedule(lessons, services, start, start + timedelta(minutes=55))
    assert soon.id in lessons.coming and soon.id not in lessons.running
    await until(lambda: soon.id in lessons.running, "the lesson started (the world's every_second)")
    (row,) = await lessons.attendance(soon)
    assert row.display_name == "Léa M." and row.joined >= soon.start and row.left is None


async def test_rows_being_written_are_shown_and_an_erasure_waits_for_them(
    connect: Connect, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    lessons = services.world.features.get(Lessons)
    now = now_paris()
    running = await schedule(lessons, services, now - timedelta(minutes=5), now + timedelta(minutes=50))
    lea = await connect("lea.martin")
    await in_room(lea, services)
    release, writing = asyncio.Event(), asyncio.Event()
    save = lessons.store.save_presences

    async def slow_save(rows: list[Presence]) -> None:
        writing.set()
        await release.wait()
        await save(rows)

    monkeypatch.setattr(lessons.store, "save_presences", slow_save)
    flushing = asyncio.create_task(lessons.flush())
    await asyncio.wait_for(writing.wait(), HANG)
    assert [r.display_name for r in await lessons.attendance(running)] == ["Léa M."]  # on its way: shown
    (holder,) = lessons.personal_data()
    erasing = asyncio.create_task(holder.forget("demo:lea.martin"))
    await asyncio.sleep(0)
    assert not erasing.done()  # the erasure waits for the batch that holds her row
    release.set()
    assert await asyncio.wait_for(flushing, HANG) and await asyncio.wait_for(erasing, HANG) == 1
    assert await lessons.store.attendance(running.id) == []
