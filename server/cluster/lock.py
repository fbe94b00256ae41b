"""One process serves a collège; another one started for it waits as its standby (docs/scaling.md).

With a broker, the process that serves collège ``id`` holds the Redis key ``cybercollege:college:<id>`` (its node
name, a time-to-live of ``ttl`` seconds, renewed every third of it). A second process started for the same collège
finds the key taken and waits — before it opens its port, so a proxy sends nobody to it — and takes the collège:
at once when the first one stops cleanly (it leaves the key as ``free``), after the key's time-to-live when it is
killed. A standby takes a *missing* key only once it has stayed missing longer than a renewal period: after a
restart of a Redis that kept nothing, the serving process sets its key again first, and the collège does not move.
A process that finds its key held by another (it was frozen longer than ``ttl``) has lost the collège: it stops
(``lost``) rather than split it. While Redis is unreachable the holder keeps serving and the standby keeps waiting.
Without a broker there is one process and nothing to hold.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger("cybercollege.cluster")

RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], 'free', 'px', ARGV[2]) end "
    "return 0"
)
TAKE = """
local holder = redis.call('get', KEYS[1])
if holder == 'free' or (not holder and ARGV[3] == '1') then
  redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
  return 1
end
if holder then return 0 end
return -1
"""
"""1: taken; 0: held by another; -1: missing (taken only when ``ARGV[3]`` says it has been missing long enough)."""


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
        from cybercollege.server import broker

        self.key = f"cybercollege:college:{college}"
        self.college, self.node, self.lost, self.ttl = college, node, lost, ttl
        self._redis = broker.connect(url)
        self._renewing: asyncio.Task[None] | None = None

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        missing_since: float | None = None
        first, waiting, unreachable = True, False, False
        while True:
            long_missing = first or (missing_since is not None and loop.time() - missing_since > self.ttl / 2 + 0.5)
            try:
                taken = await self._redis.eval(TAKE, 1, self.key, self.node, self._px, "1" if long_missing else "0")
            except Exception as exc:
                if not unreachable:
                    log.warning("standby: Redis unreachable (%s): collège %s waits", type(exc).__name__, self.college)
                unreachable, first = True, False
                await asyncio.sleep(self.ttl / 6)
                continue
            unreachable, first = False, False
            if taken == 1:
                break
            missing_since = (missing_since or loop.time()) if taken == -1 else None
            if not waiting:
                log.warning("standby: collège %s is served by another process; this one takes over when it stops",
                            self.college)  # fmt: skip
                waiting = True
            await asyncio.sleep(self.ttl / 6)
        if waiting:
            log.warning("standby: took over collège %s", self.college)
        self._renewing = loop.create_task(self._renew(), name="college-lock")

    @property
    def _px(self) -> int:
        return int(self.ttl * 1000)

    async def release(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            await asyncio.gather(self._renewing, return_exceptions=True)
            try:
                await self._redis.eval(RELEASE, 1, self.key, self.node, self._px)  # the standby takes over at once
            except Exception as exc:
                log.warning("could not hand collège %s over (%s): it is free in %g s", self.college, exc, self.ttl)
        await self._redis.aclose()

    async def _retake(self) -> bool:
        """The key is not ours any more: set it again if it is missing (Redis restarted empty), else it is lost."""
        return bool(await self._redis.set(self.key, self.node, nx=True, px=self._px))

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                held = await self._redis.eval(RENEW, 1, self.key, self.node, self._px) or await self._retake()
            except Exception as exc:
                log.warning("presence broker unreachable: collège lock not renewed (%s)", type(exc).__name__)
                continue
            if not held:
                log.error("collège %s is now served by another process: this one stops", self.college)
                self.lost()
                return


def create(url: str, college: str, node: str, lost: Callable[[], None], ttl: float) -> CollegeLock:
    """The lock for ``broker_url`` (see :func:`presence.create`): none without a broker."""
    if not url:
        return NoLock()
    return RedisLock(url, college, node, lost, ttl)
