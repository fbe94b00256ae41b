"""Collèges as tenants of one database (SQLite and PostgreSQL): each sees only its own rows, and the rows made
before collèges existed (migration 0007) go to the collège that migrates."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, text

from cybercollege.server.classroom import slides
from cybercollege.server.classroom.lessons.model import Lesson
from cybercollege.server.classroom.lessons.store import LessonStore
from cybercollege.server.classroom.whiteboard.board import Op
from cybercollege.server.classroom.whiteboard.storage import BoardStorage, Snapshot
from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store
from cybercollege.server.persistence.engine import create_engine
from cybercollege.server.persistence.migrate import alembic_config

LEA = "demo:lea.martin"
BOARD = "salle-103-tableau"  # the same board id in two copies of the default world
SOON = datetime.now(UTC) + timedelta(days=1)


@pytest.fixture
async def colleges(db_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two collèges' stores on one database."""
    async with Store(db_url, college="college-a") as a, Store(db_url, college="college-b") as b:
        yield a, b


async def test_two_colleges_never_see_each_others_places(colleges):
    a, b = colleges
    await a.save_places([Place(LEA, "salle-103", 1.0, 2.0, 0.0)])
    assert await b.load_place(LEA) is None
    await b.save_places([Place(LEA, "cdi", 5.0, 6.0, 90.0)])  # the same id in B is B's own row
    assert await a.load_place(LEA) == Place(LEA, "salle-103", 1.0, 2.0, 0.0)
    assert await b.load_place(LEA) == Place(LEA, "cdi", 5.0, 6.0, 90.0)


async def test_two_colleges_never_see_each_others_boards(colleges):
    a, b = colleges
    await BoardStorage(a).write([(BOARD, Op(1, LEA, "item", {"points": [1, 2]}))])
    assert (await BoardStorage(b).load(BOARD)).ops == []
    await BoardStorage(b).write([(BOARD, Op(1, LEA, "item", {"points": [3]}))], [Snapshot(BOARD, 1, b"B")])
    saved_a, saved_b = await BoardStorage(a).load(BOARD), await BoardStorage(b).load(BOARD)
    assert (saved_a.snapshot, [op.body for op in saved_a.ops]) == (None, [{"points": [1, 2]}])
    assert (saved_b.snapshot, saved_b.ops) == (b"B", [])  # B's snapshot deleted only B's covered operations


async def test_two_colleges_never_see_each_others_invitations(colleges):
    a, b = colleges
    await a.save_invitation("inv-a", SOON, '{"id": "inv-a"}')
    await b.save_invitation("inv-b", SOON, '{"id": "inv-b"}')
    now = datetime.now(UTC)
    assert await a.load_invitations(now) == ['{"id": "inv-a"}']
    assert await b.load_invitations(now) == ['{"id": "inv-b"}']
    await b.save_invitation("inv-a", SOON, '{"id": "inv-a", "forged": true}')  # B cannot overwrite A's
    assert await a.load_invitations(now) == ['{"id": "inv-a"}']
    assert await b.load_invitations(now) == ['{"id": "inv-b"}']


async def test_two_colleges_never_see_each_others_chat_and_audit(colleges):
    a, b = colleges
    await a.add_chat([ChatRecord("hall", LEA, None, "bonjour de A")])
    await a.audit([AuditEvent("join", LEA, "hall")])
    assert await b.recent_chat("hall") == []
    assert await b.audit_log() == []
    assert await b.known_users("lea") == []
    assert (await b.export_user(LEA)).chat == []
    assert (await b.forget_user(LEA)).chat == 0  # B's erasure leaves A's rows: A's school decides for A
    assert [line.text for line in await a.recent_chat("hall")] == ["bonjour de A"]
    assert await b.purge_expired(datetime.now(UTC) + timedelta(days=365)) == (0, 1)  # only B's proof of erasure
    assert [line.text for line in await a.recent_chat("hall")] == ["bonjour de A"]


async def test_two_colleges_never_see_each_others_slides_and_lessons(colleges):
    a, b = colleges
    await slides.save(a, [slides.Slide(b"png", 1, 1, "f" * 64)])
    assert await slides.load(b, "f" * 64) is None
    assert await slides.load(a, "f" * 64) == b"png"
    lesson = Lesson("l-1", "0699990Z", "4A", "salle-103", "demo:mme.durand", "Claire Durand", SOON,
                    SOON + timedelta(hours=1), "Mathématiques")  # fmt: skip
    await LessonStore(a).save(lesson)
    assert await LessonStore(b).get("l-1") is None
    assert await LessonStore(b).to_come(datetime.now(UTC)) == []
    assert await LessonStore(a).get("l-1") == lesson


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_rows_made_before_colleges_go_to_the_college_that_migrates(db_url):
    engine = create_engine(Store(db_url).url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to, "0006")
            await connection.execute(
                text(
                    "INSERT INTO places (user_id, room_id, x, y, heading, updated_at) VALUES "
                    "(:user, 'cdi', 1, 2, 3, :at)"
                ),
                {"user": LEA, "at": datetime.now(UTC)},
            )
            await connection.execute(
                text(
                    "INSERT INTO board_ops (board_id, seq, author, kind, body, at) VALUES "
                    "(:board, 1, :user, 'clear', :body, :at)"
                ),
                {"board": BOARD, "user": LEA, "body": b"\xc0", "at": datetime.now(UTC)},
            )
    finally:
        await engine.dispose()
    async with Store(db_url, college="college-b") as b:  # the first to start migrates: the rows are B's
        assert await b.load_place(LEA) == Place(LEA, "cdi", 1, 2, 3)
        assert [op.kind for op in (await BoardStorage(b).load(BOARD)).ops] == ["clear"]
    async with Store(db_url, college="college-a") as a:
        assert await a.load_place(LEA) is None
        assert (await BoardStorage(a).load(BOARD)).ops == []
