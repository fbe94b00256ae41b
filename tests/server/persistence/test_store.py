"""Store round trips on both backends: places (upsert), chat (history, retention), audit log, export, erasure."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

import cybercollege.server.persistence.store as store_module
from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store
from cybercollege.server.persistence.schema import places

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
LEA, TOM = "demo:lea.martin", "demo:tom.petit"


def line(text: str, minutes: int, room: str | None = "hall", to: str | None = None) -> ChatRecord:
    return ChatRecord(room, LEA, to, text, T0 + timedelta(minutes=minutes))


async def test_a_place_round_trips(store):
    place = Place(LEA, "cdi", 120.5, -40.25, 16384)
    await store.save_places([place])
    assert await store.load_place(LEA) == place
    assert await store.load_place(TOM) is None


async def test_saving_places_again_updates_them(store):
    await store.save_places([Place(LEA, "hall", 1, 1, 0), Place(TOM, "hall", 2, 2, 0)])
    await store.save_places([Place(LEA, "gym", 5, 6, 7), Place(LEA, "cdi", 8, 9, 10)])  # last one wins
    assert await store.load_place(LEA) == Place(LEA, "cdi", 8, 9, 10)
    assert await store.load_place(TOM) == Place(TOM, "hall", 2, 2, 0)


async def test_places_record_when_they_were_saved_in_utc(store):
    before = datetime.now(UTC)
    await store.save_places([Place(LEA, "hall", 1, 1, 0)])
    async with store.engine.connect() as connection:
        updated_at = (await connection.execute(places.select())).one().updated_at
    assert updated_at.tzinfo is not None
    assert before - timedelta(seconds=1) <= updated_at <= datetime.now(UTC)


async def test_recent_chat_is_the_rooms_latest_lines_oldest_first(store):
    await store.add_chat([line(f"m{i}", i) for i in (3, 1, 4, 0, 2)])
    await store.add_chat([line("elsewhere", 5, room="cdi"), line("psst", 6, room=None, to=TOM)])
    assert [m.text for m in await store.recent_chat("hall")] == ["m0", "m1", "m2", "m3", "m4"]
    assert [m.text for m in await store.recent_chat("hall", limit=2)] == ["m3", "m4"]
    assert await store.recent_chat("gym") == []


async def test_chat_lines_round_trip_with_their_utc_time(store):
    sent = [line("bonjour", 0), line("à demain 😀", 1, room=None, to=TOM)]
    await store.add_chat(sent)
    assert await store.recent_chat("hall") == sent[:1]
    (got,) = await store.recent_chat("hall")
    assert got.created_at == T0 and got.created_at.tzinfo is UTC


async def test_lines_sent_in_the_same_microsecond_keep_their_order(store):
    await store.add_chat([line("first", 0), line("second", 0), line("third", 0)])
    assert [m.text for m in await store.recent_chat("hall")] == ["first", "second", "third"]


async def test_purge_chat_deletes_only_older_lines(store):
    await store.add_chat([line("old", 0), line("private old", 1, room=None, to=TOM), line("new", 10)])
    assert await store.purge_chat(T0 + timedelta(minutes=5)) == 2
    assert [m.text for m in await store.recent_chat("hall")] == ["new"]
    assert await store.purge_chat(T0 + timedelta(minutes=5)) == 0


async def test_purge_expired_applies_30_days_to_chat(store):
    now = T0 + timedelta(days=31)
    await store.add_chat([line("a month ago", 0), ChatRecord("hall", TOM, None, "today", now)])
    await store.audit([AuditEvent("login", LEA, at=T0)])
    assert await store.purge_expired(now) == (1, 0)
    assert [m.text for m in await store.recent_chat("hall")] == ["today"]
    assert await store.purge_expired(T0 + timedelta(days=181)) == (1, 1)


async def test_audit_events_round_trip(store):
    events = [
        AuditEvent("login", LEA, None, "demo", T0),
        AuditEvent("join", LEA, "hall", "", T0 + timedelta(seconds=1)),
        AuditEvent("login_failed", None, None, "bad ticket=ST-99-abcdefgh", T0 + timedelta(seconds=2)),
        AuditEvent("kicked", TOM, "hall", "by demo:prof", T0 + timedelta(seconds=3)),
    ]
    await store.audit(events)
    assert await store.audit_log() == events
    assert await store.audit_log(user_id=LEA) == events[:2]
    assert await store.audit_log(limit=1) == events[-1:]
    assert "ST-99" not in (await store.audit_log())[2].detail


async def test_purge_expired_takes_the_configured_chat_retention(store):
    now = T0 + timedelta(days=8)
    await store.add_chat([line("last week", 0), ChatRecord("hall", TOM, None, "today", now)])
    assert await store.purge_expired(now, chat_retention=timedelta(days=7)) == (1, 0)
    assert [m.text for m in await store.recent_chat("hall")] == ["today"]


async def lea_and_tom(store: Store) -> None:
    """Léa and Tom each have a place, chat lines (to the hall and to each other) and audit events."""
    await store.save_places([Place(LEA, "hall", 1, 1, 0), Place(TOM, "hall", 2, 2, 0)])
    await store.add_chat([line("mine", 0), line("to tom", 1, room=None, to=TOM)])
    await store.add_chat([ChatRecord("hall", TOM, None, "tom's", T0), ChatRecord(None, TOM, LEA, "to lea", T0)])
    await store.audit([AuditEvent("login", LEA, at=T0), AuditEvent("join", LEA, "hall", at=T0)])
    await store.audit([AuditEvent("login", TOM, at=T0)])


async def test_forget_user_erases_their_place_chat_and_audit_events_and_audits_the_erasure(store):
    await lea_and_tom(store)
    erased = await store.forget_user(LEA, by="admin")
    assert (erased.places, erased.chat, erased.audit) == (1, 3, 2)
    assert await store.load_place(LEA) is None
    assert [m.text for m in await store.recent_chat("hall")] == ["tom's"]
    (record,) = await store.audit_log(LEA)
    assert (record.event, record.detail) == ("user_forgotten", "places=1 chat=3 audit=2 by=admin")
    assert await store.load_place(TOM) is not None
    assert [e.event for e in await store.audit_log(TOM)] == ["login"]


async def test_forgetting_again_erases_nothing_more_and_keeps_the_first_proof(store):
    await lea_and_tom(store)
    await store.forget_user(LEA)
    again = await store.forget_user(LEA)
    assert (again.places, again.chat, again.audit) == (0, 0, 0)
    assert [e.detail for e in await store.audit_log(LEA)] == ["places=1 chat=3 audit=2", "places=0 chat=0 audit=0"]


async def test_export_user_is_everything_stored_about_them_oldest_first(store):
    await lea_and_tom(store)
    data = await store.export_user(LEA)
    assert data.place == Place(LEA, "hall", 1, 1, 0)
    assert sorted(m.text for m in data.chat) == ["mine", "to lea", "to tom"]
    assert [e.event for e in data.audit] == ["login", "join"]
    plain = data.as_json()
    assert plain["place"] == {"user_id": LEA, "room_id": "hall", "x": 1.0, "y": 1.0, "heading": 0.0}
    assert plain["audit"][0] == {"event": "login", "user_id": LEA, "room_id": None, "detail": "",
                                 "at": "2026-11-02T08:00:00+00:00"}  # fmt: skip
    assert (await store.export_user("demo:nobody")).as_json() == {
        "user_id": "demo:nobody", "place": None, "chat": [], "audit": []
    }  # fmt: skip


@pytest.mark.parametrize("user_id", ["", "x" * 129, None])
async def test_bad_user_ids_are_refused_before_any_statement(store, user_id):
    with pytest.raises(ValueError, match="user_id must be"):
        await store.forget_user(user_id)
    with pytest.raises(ValueError, match="user_id must be"):
        await store.export_user(user_id)


async def test_empty_batches_are_fine(store):
    await store.save_places([])
    await store.add_chat([])
    await store.audit([])
    assert await store.audit_log() == []


@pytest.mark.parametrize("limit", [-1, 10_001, 2.5, True])
async def test_bad_limits_are_refused(store, limit):
    with pytest.raises(ValueError, match="limit must be"):
        await store.recent_chat("hall", limit=limit)


async def test_naive_purge_dates_are_refused(store: Store):
    with pytest.raises(ValueError, match="older_than must be timezone-aware"):
        await store.purge_chat(datetime(2026, 1, 1))


async def test_big_batches_are_written_in_chunks_within_one_transaction(store, monkeypatch):
    monkeypatch.setattr(store_module, "CHUNK", 100)
    transactions = []
    event.listen(store.engine.sync_engine, "begin", transactions.append)
    await store.add_chat([line(f"m{i}", i) for i in range(250)])
    assert len(transactions) == 1
    assert len(await store.recent_chat("hall", limit=1000)) == 250
