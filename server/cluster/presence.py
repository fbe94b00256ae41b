"""What several server processes must agree on, behind one small interface (after Colyseus' Presence).

* who is online where: ``claim(user_id)`` makes this process the user's home; a login elsewhere tells
  the previous home to drop its connection (one avatar per user across the cluster);
* broadcasts: ``publish(channel, message)`` reaches every process (session revocations on logout and
  ENT single logout, removals).

:class:`LocalPresence` is the default (one process, no broker). :class:`RedisPresence` uses keys with a
time-to-live and one Redis stream of broadcasts, for several processes behind a load balancer (docs/scaling.md).
A stream rather than pub/sub: a process whose connection to Redis drops reads on from the last event it had when
it is back, so it misses nothing published meanwhile (pub/sub would lose it); event ids grow with Redis's clock,
so this holds across a restart of a Redis that kept nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("cybercollege.presence")

Handler = Callable[[dict[str, Any]], None]

CLAIM_TTL = 120
"""Seconds a claim lives without being refreshed (a crashed process's users are free again after it)."""
EVENTS_KEPT = 10_000
"""Broadcasts the Redis stream keeps (about; older ones are trimmed)."""
BLOCK_MS = 2_000
"""How long one read of the stream waits for an event (under the connection's 5 s socket timeout)."""


class Presence(Protocol):
    node: str

    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every process, this one too (raises if the broker cannot take it)."""
        ...

    def subscribe(self, channel: str, handler: Handler) -> None: ...
    async def claim(self, user_id: str) -> str | None:
        """Make this process the user's home; returns the previous home if it was another process."""
        ...

    async def release(self, user_id: str) -> None: ...
    async def refresh(self, user_ids: list[str]) -> None:
        """Keep this process's claims alive (only those it still owns)."""
        ...


class LocalPresence:
    """One process: everything is in memory and delivered at once."""

    def __init__(self) -> None:
        self.node = "local"
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        for handler in self._handlers[channel]:
            handler(message)

    def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers[channel].append(handler)

    async def claim(self, user_id: str) -> str | None:
        return None

    async def release(self, user_id: str) -> None:
        pass

    async def refresh(self, user_ids: list[str]) -> None:
        pass


class RedisPresence:
    """Several processes sharing one Redis (``broker_url = redis://host:6379/0``)."""

    PREFIX = "cybercollege:"
    EVENTS = PREFIX + "events"

    def __init__(self, url: str) -> None:
        from cybercollege.server import broker

        self.node = secrets.token_hex(6)
        self._redis = broker.connect(url)
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._last = "$"
        """The id of the last event read: after a lost connection, reading goes on from there."""

    async def start(self) -> None:
        await self._redis.ping()
        self._last = await self._newest()
        self._task = asyncio.create_task(self._listen(), name="presence")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        data = json.dumps({**message, "_from": self.node})
        await self._redis.xadd(self.EVENTS, {"channel": channel, "data": data}, maxlen=EVENTS_KEPT, approximate=True)

    def subscribe(self, channel: str, handler: Handler) -> None:
        """Register before :meth:`start`."""
        self._handlers[channel].append(handler)

    async def claim(self, user_id: str) -> str | None:
        key = f"{self.PREFIX}user:{user_id}"
        answer = await self._redis.set(key, self.node, ex=CLAIM_TTL, get=True)  # the previous owner (bytes) or None
        previous = answer.decode() if isinstance(answer, bytes) and answer else None
        return previous if previous and previous != self.node else None

    async def release(self, user_id: str) -> None:
        key = f"{self.PREFIX}user:{user_id}"
        # delete only if we still own it
        await self._redis.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
            1,
            key,
            self.node,
        )

    async def refresh(self, user_ids: list[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.eval(
                    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end "
                    "return 0",
                    1,
                    f"{self.PREFIX}user:{user_id}",
                    self.node,
                    CLAIM_TTL,
                )
            await pipe.execute()

    async def _newest(self) -> str:
        """The id of the newest event in the stream (``0-0`` when empty): what this process has already missed."""
        newest: Any = await self._redis.xrevrange(self.EVENTS, count=1)  # [(id, fields)], in bytes
        return newest[0][0].decode() if newest else "0-0"

    async def _listen(self) -> None:
        while True:
            try:
                answer: Any = await self._redis.xread({self.EVENTS: self._last}, block=BLOCK_MS, count=100)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the presence broker; retrying in 1 s", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            for _stream, events in answer or ():
                for event_id, fields in events:
                    self._last = event_id.decode()
                    self._deliver(fields[b"channel"].decode(), json.loads(fields[b"data"]))

    def _deliver(self, channel: str, message: dict[str, Any]) -> None:
        for handler in self._handlers.get(channel, ()):
            try:
                handler(message)
            except Exception:
                log.exception("presence handler failed", extra={"channel": channel})


def create(url: str) -> Presence:
    """The presence for ``broker_url``: local when empty."""
    if not url:
        return LocalPresence()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisPresence(url)
    raise ValueError(f"unsupported broker_url {url!r}: use redis://HOST:PORT/DB (or leave empty)")
