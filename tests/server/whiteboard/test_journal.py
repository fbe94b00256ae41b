"""Group commit: one transaction per batch, acknowledgements only after it, retries after a failure."""

from __future__ import annotations

import asyncio

from cybercollege.server.classroom.whiteboard.board import ITEM, Op
from cybercollege.server.classroom.whiteboard.journal import Journal
from cybercollege.server.classroom.whiteboard.storage import Snapshot
from tests.server.waits import HANG, until


class FakeStorage:
    """Records each batch; ``gate`` holds writes back, ``fail`` makes the next write fail; ``writing`` is set
    once a write has begun."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.snapshots: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.writing = asyncio.Event()
        self.fail = 0

    async def write(self, ops: list[tuple[str, Op]], snapshots: list[Snapshot] = ()) -> None:  # type: ignore[assignment]
        self.writing.set()
        await self.gate.wait()
        if self.fail:
            self.fail -= 1
            raise OSError("database unreachable")
        self.batches.append([op.seq for _, op in ops])
        self.snapshots += [s.seq for s in snapshots]


def op(seq: int) -> Op:
    return Op(seq, "demo:mme.durand", ITEM, [])


async def test_operations_arriving_during_a_write_share_the_next_transaction() -> None:
    storage = FakeStorage()
    journal = Journal(storage)  # type: ignore[arg-type]
    acked: list[int] = []
    storage.gate.clear()
    journal.add("b", op(1), lambda: acked.append(1))
    await asyncio.wait_for(storage.writing.wait(), HANG)  # op 1 is being written
    for seq in (2, 3, 4):
        journal.add("b", op(seq), lambda seq=seq: acked.append(seq))
    assert acked == []  # nothing acknowledged before its write
    storage.gate.set()
    await journal.drain()
    assert storage.batches == [[1], [2, 3, 4]] and acked == [1, 2, 3, 4]


async def test_a_failed_write_is_retried_and_acknowledged_only_then() -> None:
    storage = FakeStorage()
    storage.fail = 2
    journal = Journal(storage)  # type: ignore[arg-type]
    acked: list[int] = []
    journal.add("b", op(1), lambda: acked.append(1))
    journal.snapshot(Snapshot("b", 1, b"state"))
    await until(lambda: journal.failures >= 1, "a failed write")
    assert acked == [] and journal.failures >= 1
    await journal.drain()
    assert storage.batches == [[1]] and storage.snapshots == [1] and acked == [1]


async def test_without_a_database_operations_are_acknowledged_at_once() -> None:
    acked: list[int] = []
    Journal(None).add("b", op(1), lambda: acked.append(1))
    assert acked == [1]
