"""Group commit of chat lines: a line is in the database before anyone sees it, its sender included.

The world calls :meth:`ChatJournal.add` (no await, no I/O) with the line and how to show it. A task
writes everything gathered since its last write in ONE transaction, then shows exactly those lines,
in the order they were said. Under load the batches grow by themselves (one write per database round
trip); when idle a line is written at once. If the database fails, the batch is kept and retried
with a back-off; meanwhile nobody sees those lines, and past ``max_pending`` waiting lines ``add``
refuses new ones (the world tells their sender) instead of losing any silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from .records import ChatRecord

log = logging.getLogger(__name__)

Show = Callable[[], None]
MAX_PENDING = 2000
"""Lines waiting for the database before new ones are refused (a minute of a busy college's chat)."""
MAX_BACKOFF = 5.0
"""Most seconds between two attempts while the database fails."""


class ChatStore(Protocol):
    """What the journal needs of :class:`~cybercollege.server.persistence.store.Store`."""

    async def add_chat(self, messages: Sequence[ChatRecord]) -> None: ...


class ChatJournal:
    """The world's chat lines, written before they are shown (implements ``core.chat.ChatLog``)."""

    def __init__(self, store: ChatStore, max_pending: int = MAX_PENDING) -> None:
        self.store = store
        self.max_pending = max_pending
        self.batches = 0
        self.written = 0
        self.refused = 0
        self.failures = 0
        """Consecutive failed writes (0: the database is keeping up)."""
        self._lines: list[ChatRecord] = []
        self._shows: list[Show] = []
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        """Set while no batch is being written."""
        self._idle.set()

    def add(self, record: ChatRecord, show: Show) -> bool:
        """Queue ``record``; ``show`` runs once it is written. False (nothing queued): too many lines wait."""
        if type(record) is not ChatRecord:
            raise TypeError(f"expected a ChatRecord, got {type(record).__name__}")
        if self.pending >= self.max_pending:
            self.refused += 1
            return False
        self._lines.append(record)
        self._shows.append(show)
        self._wake.set()
        if self._task is None or self._task.done():
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="chat-journal")
        return True

    def discard(self, drop: Callable[[ChatRecord], bool]) -> int:
        """Remove the queued lines ``drop`` chooses, never shown (an erasure); returns how many."""
        kept = [(line, show) for line, show in zip(self._lines, self._shows, strict=True) if not drop(line)]
        dropped = len(self._lines) - len(kept)
        self._lines, self._shows = [line for line, _ in kept], [show for _, show in kept]
        return dropped

    async def settled(self) -> None:
        """Wait until the batch being written, if any, is committed or given back (an erasure then deletes it)."""
        await self._idle.wait()

    @property
    def pending(self) -> int:
        """Lines said and not yet written (queued, or being written)."""
        return len(self._lines) + self._in_flight

    async def stop(self) -> bool:
        """Write what waits (one last attempt if the database fails), end the task; whether all was written."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task
        if self._lines:
            log.error("chat journal stopped with %d unsaved lines (never shown to anyone)", len(self._lines))
            return False
        return True

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._lines:
                if self._stop.is_set():
                    return
                continue
            if await self._write_batch():
                self._wake.set()  # lines said during the write
            elif self._stop.is_set():
                return
            else:
                with contextlib.suppress(TimeoutError):  # a stop() ends the back-off early
                    await asyncio.wait_for(self._stop.wait(), min(MAX_BACKOFF, 0.1 * 2 ** min(self.failures, 10)))
                self._wake.set()

    async def _write_batch(self) -> bool:
        lines, shows = self._lines, self._shows
        self._lines, self._shows = [], []
        self._in_flight = len(lines)
        self._idle.clear()
        try:
            await self.store.add_chat(lines)
        except BaseException as exc:
            self._lines, self._shows = lines + self._lines, shows + self._shows  # first, in order
            if not isinstance(exc, Exception):
                raise  # cancelled: the lines are back in the queue
            self.failures += 1
            log.warning("could not save %d chat lines, will retry (nobody sees them meanwhile): %s",
                        len(lines), _short(exc))  # fmt: skip
            return False
        finally:
            self._in_flight = 0
            self._idle.set()
        if self.failures:
            log.warning("chat lines are saved again after %d failed writes", self.failures)
        self.failures = 0
        self.batches += 1
        self.written += len(lines)
        for show in shows:
            try:
                show()
            except Exception:  # one broken recipient must not hide the rest of the batch
                log.exception("could not show a saved chat line")
        return True


def _short(exc: BaseException) -> str:
    """The first line of an exception (SQLAlchemy's omit the SQL and its parameters, so no chat text)."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
