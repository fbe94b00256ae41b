"""Loading last places when a whole school connects at once: one query for everyone waiting.

A restart brings a thousand pupils back within a second. One query each queued up behind each other, timed
out, and sent them to the hall; here every request made while a query runs joins the next one, so the
database sees a handful of ``IN (...)`` queries instead of a thousand.
"""

from __future__ import annotations

import asyncio
import logging

from .records import Place
from .store import CHUNK, Store

log = logging.getLogger(__name__)


class PlaceLoader:
    """``await loader.load(user_id)``: her last place or None; requests are batched while a query runs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queries = 0
        self.failures = 0
        self._waiting: dict[str, list[asyncio.Future[Place | None]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def load(self, user_id: str) -> Place | None:
        """Raises what the database raised (the caller decides what a failure means)."""
        future: asyncio.Future[Place | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(user_id, []).append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="place-loader")
        return await future

    async def _run(self) -> None:
        await asyncio.sleep(0)  # the other connections of this read join the first query too
        while self._waiting:
            batch = dict(list(self._waiting.items())[:CHUNK])
            for user_id in batch:
                del self._waiting[user_id]
            self.queries += 1
            try:
                found = await self.store.load_places(list(batch))
            except Exception as exc:
                self.failures += 1
                log.warning("could not load %d last places: %s", len(batch), type(exc).__name__)
                _settle(batch, exc=exc)
                continue
            _settle(batch, found=found)


def _settle(
    batch: dict[str, list[asyncio.Future[Place | None]]],
    found: dict[str, Place] | None = None,
    exc: BaseException | None = None,
) -> None:
    for user_id, futures in batch.items():
        for future in futures:
            if future.done():  # its connection gave up waiting
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result((found or {}).get(user_id))
