"""Messages to the other processes that wait, in order, while the broker is down (a logout during an outage).

``send`` publishes at once when it can. When the broker refuses (Redis down, a timeout), the message waits here
and a retry task publishes it once the broker is back; later messages queue behind it, so order is kept. The
presence's stream keeps what is published for the processes whose own connection is still coming back
(:mod:`presence`). Bounded: at most ``limit`` waiting messages (the oldest go first, logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from cybercollege.server.cluster.presence import Presence

log = logging.getLogger("cybercollege.cluster")

LIMIT = 10_000
"""Messages that may wait for the broker."""
RETRY_S = (0.25, 5.0)
"""The first and the longest pause between two tries (doubling)."""


@dataclass(frozen=True, slots=True)
class Waiting:
    channel: str
    message: dict[str, Any]


class Outbox:
    def __init__(self, presence: Presence, *, limit: int = LIMIT) -> None:
        self.presence = presence
        self.limit = limit
        self.waiting: deque[Waiting] = deque()
        self.dropped = 0
        self._task: asyncio.Task[None] | None = None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Publish ``message``, or keep it for the retry task; never raises for the broker's sake."""
        if not self.waiting:
            try:
                await self.presence.publish(channel, message)
                return
            except Exception as exc:
                log.warning("presence broker unreachable: %r waits to be sent (%s)", channel, type(exc).__name__)
        self._keep(Waiting(channel, message))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.waiting:
            log.warning("presence: %d messages never reached the broker", len(self.waiting))

    def _keep(self, waiting: Waiting) -> None:
        if len(self.waiting) >= self.limit:
            lost = self.waiting.popleft()
            self.dropped += 1
            log.warning("presence: too many messages waiting for the broker; dropped a %r", lost.channel)
        self.waiting.append(waiting)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._retry(), name="presence-outbox")

    async def _retry(self) -> None:
        pause = RETRY_S[0]
        while self.waiting:
            await asyncio.sleep(pause)
            first = self.waiting[0]
            try:
                await self.presence.publish(first.channel, first.message)
            except Exception:
                pause = min(pause * 2, RETRY_S[1])
                continue
            self.waiting.popleft()
            pause = 0.0
        log.info("presence broker back: waiting messages sent")
