"""The erasure leaves nothing of her behind in the write-behind: a place or audit event still buffered, and a chat
line of hers whose write is under way at that moment, do not reach the database after the erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store, WriteBehind
from cybercollege.server.privacy import Privacy
from tests.server.waits import until

LEA, TOM = "demo:lea.martin", "demo:tom.petit"


class GatedStore:
    """The chat journal's store, whose writes wait for ``gate`` (a write under way during the erasure)."""

    def __init__(self, store: Store) -> None:
        self.store, self.gate, self.writing = store, asyncio.Event(), asyncio.Event()

    async def add_chat(self, messages: Sequence[ChatRecord]) -> None:
        self.writing.set()
        await self.gate.wait()
        await self.store.add_chat(messages)


async def test_nothing_buffered_or_being_written_lands_after_the_erasure(tmp_path: Path) -> None:
    async with Store(f"sqlite+aiosqlite:///{tmp_path}/college.db") as store:
        writer = WriteBehind(store, interval=0.05)
        gated = GatedStore(store)
        writer.chatlog.store = gated
        writer.place(Place(LEA, "cdi", 1, 2, 0))
        writer.audit(AuditEvent("join", LEA, "cdi"))
        writer.audit(AuditEvent("join", TOM, "cdi"))
        shown: list[str] = []
        writer.chatlog.add(ChatRecord("cdi", LEA, None, "bonjour"), lambda: shown.append("bonjour"))
        await gated.writing.wait()  # her line is being committed

        erasure = asyncio.create_task(Privacy(None, store, writer, []).forget(LEA, by="test"))
        await until(lambda: writer.chatlog.pending == 1 and not erasure.done(), "the erasure waiting for the write")
        gated.gate.set()
        counts = await erasure
        writer.start()
        assert await writer.flush() and await writer.stop()

        data = await store.export_user(LEA)
        assert data.place is None and data.chat == [] and [e.event for e in data.audit] == ["user_forgotten"]
        assert counts["chat"] == 1 and shown == ["bonjour"]  # written and shown, then erased with the rest
        assert [e.event for e in (await store.export_user(TOM)).audit] == ["join"]  # the others' stay
