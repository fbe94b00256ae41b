"""Waiting on conditions, never on the clock.

Each wait ends as soon as its condition holds; its timeout is many times what the condition needs and only
catches a hang (the failure says "hung"). How fast things happen is measured by the benchmarks
(docs/benchmarks.md), not here.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.messages import Ping, Pong
from cybercollege.server.edge.services import Services

HANG = 30.0
"""Seconds before a wait counts as hung: what it waits for takes milliseconds, or a few ticks (but a shared
2-core machine running the suite beside another process may stall for seconds)."""

_nonces = itertools.count(0x7000_0000)


async def until(condition: Callable[[], object], what: str, timeout: float = HANG) -> None:
    """Poll ``condition()`` until it is true; fail after ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"hung: {what} not after {timeout} s") from None


async def eventually(probe: Callable[[], Awaitable[object]], what: str, timeout: float = HANG,
                     every: float = 0.05) -> object:
    """Await ``probe()`` every ``every`` seconds until it returns something true, and return that; fail as hung
    after ``timeout`` seconds (a hang detector: what it waits for takes far less)."""
    try:
        async with asyncio.timeout(timeout):
            while not (found := await probe()):
                await asyncio.sleep(every)
            return found
    except TimeoutError:
        raise AssertionError(f"hung: {what} not after {timeout} s") from None


async def answered(conn: WorldConnection, timeout: float = HANG) -> Pong:
    """Send a PING on ``conn`` and return its PONG; fail if none comes (the server answers at once)."""
    nonce = next(_nonces)
    await conn.send(Ping(nonce))
    try:
        await conn.wait_for(lambda m: any(p.nonce == nonce for p in m.pongs), timeout)
    except TimeoutError:
        raise AssertionError(f"hung: no PONG after {timeout} s") from None
    return next(p for p in conn.mirror.pongs if p.nonce == nonce)


async def caught_up(conn: WorldConnection, services: Services) -> None:
    """Everything the server had to send ``conn`` when this was called has arrived.

    The next tick has run (a room's events of this tick are queued, board events too), and a PING sent after
    that is answered: the server queues its PONG behind all of them (one ordered delivery per connection,
    docs/adr/0002). After this, what has not arrived was never sent: a check that something did *not* happen
    has really waited for it.
    """
    world = services.world
    tick = world.tick_no
    await until(lambda: world.tick_no > tick, "the next tick")
    await answered(conn)
