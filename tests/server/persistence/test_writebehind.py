"""Write-behind: the hot path never awaits; flushes coalesce, survive a database outage, lose no chat."""

import asyncio
import inspect
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store, WriteBehind
from tests.server.waits import HANG

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
LEA, TOM = "demo:lea.martin", "demo:tom.petit"


def line(i: int) -> ChatRecord:
    return ChatRecord("hall", LEA, None, f"m{i}", T0 + timedelta(seconds=i))


async def texts(store: Store, limit: int = 1000) -> list[str]:
    return [m.text for m in await store.recent_chat("hall", limit=limit)]


async def until(condition, timeout: float = 5.0) -> None:
    """Wait (polling) until ``condition()`` is true."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


def test_the_hot_path_is_plain_synchronous_calls():
    wb = WriteBehind(Store("sqlite+aiosqlite:///unused.db"))
    for method in (wb.place, wb.chat, wb.audit):
        assert not inspect.iscoroutinefunction(method)
    assert wb.place(Place(LEA, "hall", 0, 0, 0)) is None
    assert wb.pending == 1


async def test_places_coalesce_per_user_and_the_latest_is_written(store):
    wb = WriteBehind(store)
    for step in range(1000):
        wb.place(Place(LEA, "hall", step, 0, 0))
        wb.place(Place(TOM, "cdi", 0, step, 0))
    assert wb.pending == 2
    assert await wb.flush() is True
    assert await store.load_place(LEA) == Place(LEA, "hall", 999, 0, 0)
    assert await store.load_place(TOM) == Place(TOM, "cdi", 0, 999, 0)
    assert wb.pending == 0


async def test_a_flush_is_one_transaction_per_kind(store):
    transactions = []
    event.listen(store.engine.sync_engine, "begin", transactions.append)
    wb = WriteBehind(store)
    for i in range(50):
        wb.place(Place(f"demo:pupil{i}", "hall", i, i, 0))
        wb.chat(line(i))
        wb.audit(AuditEvent("join", f"demo:pupil{i}", "hall"))
    await wb.flush()
    assert len(transactions) == 3
    assert len(await store.audit_log()) == 50


async def test_the_background_task_flushes_every_interval(store):
    wb = WriteBehind(store, interval=0.05)
    wb.start()
    try:
        wb.chat(line(1))
        wb.audit(AuditEvent("login", LEA))
        await until(lambda: _has_chat(store))
        assert wb.pending == 0
    finally:
        await wb.stop()


async def _has_chat(store: Store) -> bool:
    return bool(await store.recent_chat("hall"))


async def test_stop_writes_every_acknowledged_chat_line(store):
    wb = WriteBehind(store, interval=3600)  # the timer never fires: only stop() can save them
    wb.start()
    for i in range(500):
        wb.chat(line(i))
    assert await wb.stop() is True
    assert await texts(store) == [f"m{i}" for i in range(500)]


async def test_a_failed_flush_keeps_the_data_in_order_and_retries(db_url, caplog):
    store = Store(db_url)
    await store.start()
    wb = WriteBehind(store)
    wb.chat(line(0))
    wb.place(Place(LEA, "hall", 1, 1, 0))
    await store.close()  # the database goes away
    with caplog.at_level(logging.WARNING, "cybercollege.server.persistence"):
        assert await wb.flush() is False
    assert "could not write 1 chat lines, will retry" in caplog.text
    assert wb.pending == 2
    wb.chat(line(1))  # the server keeps going meanwhile
    wb.place(Place(LEA, "cdi", 2, 2, 0))
    await store.start()  # it is back
    assert await wb.flush() is True
    assert wb.failures == 0
    assert await texts(store) == ["m0", "m1"]
    assert await store.load_place(LEA) == Place(LEA, "cdi", 2, 2, 0)
    await store.close()


@pytest.mark.postgres
async def test_the_background_task_survives_a_dropped_postgresql_database(pg_database):
    store = Store(pg_database.url)
    await store.start()
    wb = WriteBehind(store, interval=0.05, max_backoff=0.2)
    wb.start()
    try:
        wb.chat(line(0))
        await until(lambda: _has_chat(store))
        await pg_database.drop()  # connections are killed, the database is gone
        for i in range(1, 4):
            wb.chat(line(i))
        await until(_flag(lambda: wb.failures >= 2))
        assert wb.pending == 3
        await pg_database.create()  # restored, empty: migrate it as a restarted server would
        async with Store(pg_database.url):
            pass
        await until(_flag(lambda: wb.pending == 0 and wb.failures == 0))
        assert await texts(store) == ["m1", "m2", "m3"]
    finally:
        await wb.stop()
        await store.close()


def _flag(check):
    async def condition() -> bool:
        return check()

    return condition


async def test_full_buffers_drop_stale_places_first_and_chat_only_past_its_cap(tmp_path, caplog):
    store = Store(f"sqlite+aiosqlite:///{tmp_path}/x.db")  # not started: every flush fails
    wb = WriteBehind(store, max_places=3, max_items=5)
    for i in range(5):
        wb.place(Place(f"demo:pupil{i}", "hall", i, 0, 0))
    for i in range(5):
        wb.chat(line(i))
    with caplog.at_level(logging.WARNING, "cybercollege.server.persistence"):
        assert await wb.flush() is False
    assert "dropped the stalest places" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no chat lost yet

    for i in range(5, 8):
        wb.chat(line(i))
    caplog.clear()
    with caplog.at_level(logging.WARNING, "cybercollege.server.persistence"):
        assert await wb.flush() is False
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "write-behind buffers full (database unreachable?): dropped so far 2 places, 3 chat, 0 audit"
    ]

    await store.start()
    assert await wb.flush() is True
    assert await texts(store) == ["m3", "m4", "m5", "m6", "m7"]
    assert await store.load_place("demo:pupil1") is None
    assert await store.load_place("demo:pupil4") is not None
    await store.close()


def test_chat_and_audit_are_kept_up_to_100k_items():
    wb = WriteBehind(Store("sqlite+aiosqlite:///unused.db"))
    assert wb.chats.cap == wb.audits.cap == 100_000


async def test_stop_reports_what_could_not_be_saved(tmp_path, caplog):
    wb = WriteBehind(Store(f"sqlite+aiosqlite:///{tmp_path}/x.db"))  # never started
    wb.start()
    wb.chat(line(0))
    with caplog.at_level(logging.ERROR, "cybercollege.server.persistence"):
        assert await wb.stop() is False
    assert "unsaved data: 0 places, 1 chat lines, 0 audit events" in caplog.text


class GatedStore:
    """A store whose writes wait for a gate, to act while a flush is in progress."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()
        """Set when a flush has started writing (and waits at the gate)."""
        self.written: list[ChatRecord] = []

    async def add_chat(self, batch: list[ChatRecord]) -> None:
        self.writing.set()
        await self.gate.wait()
        self.written += batch

    async def save_places(self, batch: list[Place]) -> None:
        self.writing.set()
        await self.gate.wait()

    async def audit(self, batch: list[AuditEvent]) -> None:
        self.writing.set()
        await self.gate.wait()


async def test_lines_added_during_a_flush_wait_for_the_next_one():
    store = GatedStore()
    wb = WriteBehind(store)  # type: ignore[arg-type]
    wb.chat(line(0))
    flushing = asyncio.create_task(wb.flush())
    await asyncio.wait_for(store.writing.wait(), HANG)
    wb.chat(line(1))
    store.gate.set()
    assert await flushing is True
    assert [m.text for m in store.written] == ["m0"]
    assert wb.pending == 1


async def test_a_cancelled_flush_puts_its_batch_back():
    store = GatedStore()
    wb = WriteBehind(store)  # type: ignore[arg-type]
    wb.chat(line(0))
    flushing = asyncio.create_task(wb.flush())
    await asyncio.wait_for(store.writing.wait(), HANG)
    flushing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flushing
    assert wb.pending == 1


@pytest.mark.parametrize("method", ["place", "chat", "audit"])
def test_a_wrong_object_is_refused_at_once(method):
    wb = WriteBehind(Store("sqlite+aiosqlite:///unused.db"))
    with pytest.raises(TypeError, match="expected a"):
        getattr(wb, method)({"text": "hi"})
    assert wb.pending == 0


def test_retries_back_off_up_to_max_backoff_even_after_days_of_outage():
    wb = WriteBehind(Store("sqlite+aiosqlite:///unused.db"), interval=1.0, max_backoff=30.0)
    delays = []
    for failures in (0, 1, 2, 5, 10_000):
        wb.failures = failures
        delays.append(wb.delay())
    assert delays == [1.0, 2.0, 4.0, 30.0, 30.0]
