"""One process serves a collège; another one started for it waits as its standby (docs/scaling.md).

With a broker, the process that serves collège ``id`` holds the Redis key ``cybercollege:college:<id>`` (its node
name, a time-to-live of ``ttl`` seconds, renewed every third of it). A second process started for the same collège
finds the key taken and waits — before it opens its port, so a proxy sends nobody to it — and takes the key as soon
as it is free: at once when the first one stops cleanly (it deletes the key), within ``ttl`` when it is killed.
A process that finds its key held by another (it was paused longer than ``ttl``) has lost the collège: it stops
(``lost``) rather than split it. While Redis is unreachable the holder keeps serving, and no standby can take over.
Without a broker there is one process and nothing to hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("cybercollege.cluster")

RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class CollegeLock(Protocol):
    async def acquire(self) -> None:
        """Return once this process serves the collège (waiting as a standby while another does)."""
        ...

    async def release(self) -> None: ...


class NoLock:
    """One process: it serves its collège."""

    async def acquire(self) -> None:
        pass

    async def release(self) -> None:
        pass


class RedisLock:
    def __init__(self, url: str, college: str, node: str, lost: Callable[[], None], ttl: float = 6.0) -> None:
        import redis.asyncio as redis

        self.key = f"cybercollege:college:{college}"
        self.college, self.node, self.lost, self.ttl = college, node, lost, ttl
        self._redis = redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        waiting = False
        while not await self._redis.set(self.key, self.node, nx=True, px=int(self.ttl * 1000)):
            if not waiting:
                holder = await self._redis.get(self.key)
                log.warning(
                    "standby: collège %s is served by process %s; this one takes over when it stops",
                    self.college, holder.decode() if isinstance(holder, bytes) else holder,
                )  # fmt: skip
                waiting = True
            await asyncio.sleep(self.ttl / 6)
        if waiting:
            log.warning("standby: took over collège %s", self.college)
        self._renewing = asyncio.get_running_loop().create_task(self._renew(), name="college-lock")

    async def release(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            try:
                await self._redis.eval(RELEASE, 1, self.key, self.node)  # the standby takes over at once
            except Exception as exc:
                log.warning("could not hand collège %s over (%s): it is free in %g s", self.college, exc, self.ttl)
        await self._redis.aclose()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                held = await self._redis.eval(RENEW, 1, self.key, self.node, int(self.ttl * 1000))
            except Exception as exc:
                log.warning("presence broker unreachable: collège lock not renewed (%s)", type(exc).__name__)
                continue
            if not held and await self._redis.set(self.key, self.node, nx=True, px=int(self.ttl * 1000)) is None:
                log.error("collège %s is now served by another process: this one stops", self.college)
                self.lost()
                return


def create(url: str, college: str, node: str, lost: Callable[[], None], ttl: float) -> CollegeLock:
    """The lock for ``broker_url`` (see :func:`presence.create`): none without a broker."""
    if not url:
        return NoLock()
    return RedisLock(url, college, node, lost, ttl)
