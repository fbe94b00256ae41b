"""Write-behind buffers: the world server records without awaiting the database; a task flushes them.

``place``, ``chat`` and ``audit`` are plain methods that only append to memory. Every ``interval``
seconds a background task writes each kind in one transaction. When the database is down the data
is kept and retried (backing off up to ``max_backoff``), within bounded memory: places coalesce per
user and the stalest are dropped past ``max_places``; chat and audit are only dropped past
``max_items`` each, with an error log giving the counts.

The world's chat lines do not go through ``chat()``: they must be on disk before anyone sees them, so
they go through ``chatlog`` (:class:`~cybercollege.server.persistence.chatlog.ChatJournal`, a group
commit), which ``stop()`` also drains. ``chat()`` remains for lines nobody is shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from .chatlog import ChatJournal
from .records import AuditEvent, ChatRecord, Place
from .store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")
Writer = Callable[[list[T]], Awaitable[None]]


class _Buffer(Protocol[T]):
    dropped: int

    def __len__(self) -> int: ...
    def take(self) -> list[T]: ...
    def give_back(self, batch: list[T]) -> None: ...


class Queue(Generic[T]):
    """A FIFO that drops (and counts) its oldest items beyond ``cap``."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.dropped = 0
        self._items: deque[T] = deque()

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: T) -> None:
        self._items.append(item)
        self._trim()

    def take(self) -> list[T]:
        batch = list(self._items)
        self._items.clear()
        return batch

    def discard(self, drop: Callable[[T], bool]) -> int:
        """Remove the items ``drop`` chooses (an erasure); returns how many."""
        kept = deque(item for item in self._items if not drop(item))
        dropped, self._items = len(self._items) - len(kept), kept
        return dropped

    def give_back(self, batch: list[T]) -> None:
        """Put an unwritten batch back before the items added since."""
        self._items.extendleft(reversed(batch))
        self._trim()

    def _trim(self) -> None:
        while len(self._items) > self.cap:
            self._items.popleft()
            self.dropped += 1


class Latest:
    """The latest place per user, stalest first; drops (and counts) the stalest beyond ``cap``."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.dropped = 0
        self._places: dict[str, Place] = {}
        self.in_flight: dict[str, Place] = {}  # the batch being written: not yet readable from the database

    def __len__(self) -> int:
        return len(self._places)

    def push(self, place: Place) -> None:
        self._places.pop(place.user_id, None)  # re-insert: the dict's order is staleness
        self._places[place.user_id] = place
        self._trim()

    def take(self) -> list[Place]:
        batch = list(self._places.values())
        self._places.clear()
        self.in_flight = {p.user_id: p for p in batch}
        return batch

    def latest(self, user_id: str) -> Place | None:
        """The place of ``user_id`` not yet in the database (queued, or being written), if any."""
        return self._places.get(user_id) or self.in_flight.get(user_id)

    def discard(self, user_id: str) -> int:
        """Forget the unwritten place of ``user_id`` (an erasure); returns 1 if there was one."""
        self.in_flight.pop(user_id, None)
        return 0 if self._places.pop(user_id, None) is None else 1

    def give_back(self, batch: list[Place]) -> None:
        """Put an unwritten batch back, unless a user has moved since."""
        merged = {p.user_id: p for p in batch if p.user_id not in self._places}
        merged.update(self._places)
        self._places = merged
        self._trim()

    def _trim(self) -> None:
        while len(self._places) > self.cap:
            del self._places[next(iter(self._places))]
            self.dropped += 1


class WriteBehind:
    """Buffers records in memory and writes them to ``store`` in the background."""

    def __init__(
        self,
        store: Store,
        interval: float = 1.0,
        *,
        max_places: int = 10_000,
        max_items: int = 100_000,
        max_backoff: float = 30.0,
    ) -> None:
        self.store = store
        self.interval = interval
        self.max_backoff = max_backoff
        self.places = Latest(max_places)
        self.chats: Queue[ChatRecord] = Queue(max_items)
        self.audits: Queue[AuditEvent] = Queue(max_items)
        self.chatlog = ChatJournal(store)
        """The world's chat lines: written before they are shown (docs/persistence.md)."""
        self.failures = 0
        """Consecutive failed flushes (0: the database is keeping up)."""
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._reported: Counter[str] = Counter()

    # -- the hot path: no await, no I/O

    def place(self, place: Place) -> None:
        self.places.push(_checked(place, Place))

    def unwritten_place(self, user_id: str) -> Place | None:
        """A place saved but not yet readable from the database (a rejoin right after leaving needs it)."""
        return self.places.latest(user_id)

    def chat(self, record: ChatRecord) -> None:
        self.chats.push(_checked(record, ChatRecord))

    def audit(self, event: AuditEvent) -> None:
        self.audits.push(_checked(event, AuditEvent))

    def discard(self, user_id: str) -> int:
        """Drop everything buffered about ``user_id`` (an erasure): her place, chat lines she sent or received,
        her audit events; returns how many. Run it inside :meth:`paused`, so that no flush is writing them."""
        about: Callable[[ChatRecord], bool] = lambda line: user_id in (line.sender, line.recipient)  # noqa: E731
        return (
            self.places.discard(user_id)
            + self.chats.discard(about)
            + self.chatlog.discard(about)
            + self.audits.discard(lambda event: event.user_id == user_id)
        )

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No flush runs while inside (it waits for one running to end): an erasure then a flush cannot interleave."""
        async with self._lock:
            yield

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self.places) + len(self.chats) + len(self.audits) + self.chatlog.pending

    # -- background flushing

    def start(self) -> None:
        """Start the background flush task (call from the running event loop)."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="persistence-write-behind")

    async def stop(self) -> bool:
        """Stop the background task and flush what is left; returns whether everything was written."""
        self._stopping.set()
        if self._task is not None:
            task, self._task = self._task, None
            await task
        written = await self.chatlog.stop()
        written = await self.flush() and written
        if not written:
            log.error(
                "write-behind stopped with unsaved data: %d places, %d chat lines, %d audit events",
                len(self.places),
                len(self.chats) + self.chatlog.pending,
                len(self.audits),
            )
        return written

    async def flush(self) -> bool:
        """Write every buffer now, one transaction per kind; returns whether all were written.

        What could not be written stays buffered for the next attempt.
        """
        async with self._lock:
            results = [
                await self._flush_one("places", self.places, self.store.save_places),
                await self._flush_one("chat lines", self.chats, self.store.add_chat),
                await self._flush_one("audit events", self.audits, self.store.audit),
            ]
        self._report_drops()
        written = all(results)
        if written and self.failures:
            log.warning("database writes work again after %d failed flushes", self.failures)
        self.failures = 0 if written else self.failures + 1
        return written

    async def _flush_one(self, kind: str, buffer: _Buffer[T], write: Writer[T]) -> bool:
        batch = buffer.take()
        if not batch:
            return True
        try:
            await write(batch)
        except BaseException as exc:
            buffer.give_back(batch)
            if not isinstance(exc, Exception):
                raise  # cancelled: the batch is back in the buffer
            log.warning("could not write %d %s, will retry: %s", len(batch), kind, _short(exc))
            return False
        return True

    def delay(self) -> float:
        """Seconds until the next flush: ``interval``, doubled after each failure up to ``max_backoff``."""
        backoff = self.interval * 2 ** min(self.failures, 20)
        return min(backoff, max(self.interval, self.max_backoff))

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.delay())
            except TimeoutError:
                await self.flush()

    def _report_drops(self) -> None:
        dropped = Counter(places=self.places.dropped, chat=self.chats.dropped, audit=self.audits.dropped)
        new = dropped - self._reported
        if not new:
            return
        self._reported = dropped
        counts = ", ".join(f"{n} {kind}" for kind, n in dropped.items())
        if new["chat"] or new["audit"]:
            log.error("write-behind buffers full (database unreachable?): dropped so far %s", counts)
        else:
            log.warning("write-behind dropped the stalest places (database unreachable?): so far %s", counts)


def _checked(record: T, kind: type[T]) -> T:
    """Refuse a wrong object here rather than let it fail every later flush."""
    if type(record) is not kind:
        raise TypeError(f"expected a {kind.__name__}, got {type(record).__name__}")
    return record


def _short(exc: BaseException) -> str:
    """The first line of an exception, which for SQLAlchemy errors omits the SQL and parameters."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
