"""Group commit of whiteboard operations: acknowledge an operation only once it is in the database.

Handlers call :meth:`Journal.add` (no await, no I/O). A background task writes everything gathered
since its last write in ONE transaction, then runs the acknowledgements of exactly those operations.
Under load the batches grow by themselves (one write per database round trip); when idle an operation
is written at once. If the database fails, the batch is kept and retried with a back-off; nobody is
acknowledged meanwhile (the operation is still shown live).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from cybercollege.server.classroom.whiteboard.board import Op
from cybercollege.server.classroom.whiteboard.storage import BoardStorage, Snapshot

log = logging.getLogger("cybercollege.whiteboard")

Ack = Callable[[], None]
MAX_BACKOFF = 5.0


class Journal:
    """Shared by every board of the server; ``storage`` None keeps boards in memory only."""

    def __init__(self, storage: BoardStorage | None) -> None:
        self.storage = storage
        self.batches = 0
        self.written = 0
        self.failures = 0
        self._ops: list[tuple[str, Op]] = []
        self._acks: list[Ack] = []
        self._snapshots: dict[str, Snapshot] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def add(self, board_id: str, op: Op, ack: Ack) -> None:
        """Queue ``op`` for the next write; ``ack`` runs once it is durable."""
        if self.storage is None:
            ack()
            return
        self._ops.append((board_id, op))
        self._acks.append(ack)
        self._kick()

    def snapshot(self, snap: Snapshot) -> None:
        """Write this snapshot with the next batch (it replaces the log up to ``snap.seq``)."""
        if self.storage is not None:
            self._snapshots[snap.board_id] = snap
            self._kick()

    @property
    def pending(self) -> int:
        return len(self._ops)

    async def drain(self) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        while self._ops or self._snapshots or not self._idle.is_set():
            self._kick()
            await asyncio.sleep(0.01)

    def stop(self) -> None:
        """Write what is left, then end the task."""
        self._stopping = True
        self._wake.set()

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="whiteboard-journal")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not (self._ops or self._snapshots):
                self._idle.set()
                if self._stopping:
                    return
                continue
            if not await self._write_batch():
                await asyncio.sleep(min(MAX_BACKOFF, 0.1 * 2 ** min(self.failures, 10)))
                self._wake.set()

    async def _write_batch(self) -> bool:
        assert self.storage is not None
        ops, acks, snaps = self._ops, self._acks, list(self._snapshots.values())
        self._ops, self._acks, self._snapshots = [], [], {}
        try:
            await self.storage.write(ops, snaps)
        except Exception as exc:
            self._ops, self._acks = ops + self._ops, acks + self._acks
            for s in snaps:
                self._snapshots.setdefault(s.board_id, s)
            self.failures += 1
            log.warning("could not save %d whiteboard operations, will retry: %s", len(ops), exc)
            return False
        self.failures = 0
        self.batches += 1
        self.written += len(ops)
        for ack in acks:
            ack()
        self._wake.set()  # check for ops added during the write
        return True
