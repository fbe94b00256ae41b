"""A school arrives in the morning: 1,000 pupils join one big grid room (the benchmark arena, a 100 m
courtyard) through real WebSockets while a few avatars walk about. Nobody gets a frame past the limits,
everyone ends in sync, and the walkers' moves reach their neighbour at every tick all along.

And one client that never reads stalls nobody: the others get a frame at every tick it stays stuck.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.messages import Frame
from cybercollege.server.core.delivery import FRAME_BYTES
from cybercollege.server.core.interest import GridInterest
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from tests.server.conftest import make_settings
from tests.server.test_backpressure import RawClient
from tests.server.waits import until

ARENA = Path(__file__).resolve().parents[2] / "benchmarks" / "arena"
PUPILS = 1000
AT_ONCE = 50
"""Pupils connecting at the same moment (a school's doors, not a single file)."""
CORNER = (4.0, 95.0)
"""Where the walkers and their neighbour stand: far from every spawn point, so the crowd never hides them."""


async def arena(tmp_path: Path, **overrides: object) -> AsyncIterator[TestServer]:
    settings = make_settings(tmp_path, world=ARENA, **overrides)
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    async for srv in arena(tmp_path):
        yield srv


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        yield session


async def join(http: aiohttp.ClientSession, base: str, login: str) -> WorldConnection:
    conn = WorldConnection(http, base, await fetch_demo_token(http, base, login))
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.me in m.members, timeout=60)
    return conn


def put(services: Services, conn: WorldConnection, x: float, y: float) -> None:
    """Stand ``conn``'s avatar at (x, y), as a door would (the client is told where it is)."""
    world = services.world
    a = world.avatars[conn.mirror.me]
    a.place(x, y, 0.0, world.burst_distance)
    a.last_move = time.monotonic()
    a.room.changed.add(a)
    interest = a.room.interest
    assert isinstance(interest, GridInterest)
    interest.dirty = True
    conn.mirror.position = (x, y, 0.0)


def record_moves(services: Services, ids: set[int]) -> dict[int, set[int]]:
    """Tick by tick, which of ``ids`` changed on the server (the tick's frames carry them)."""
    world = services.world
    moved: dict[int, set[int]] = {}
    step = world.step

    def recording_step():  # type: ignore[no-untyped-def]
        out = step()
        changed = {i for i in ids if i in world.avatars and world.avatars[i].changed_tick == world.tick_no}
        if changed:
            moved[world.tick_no] = changed
        return out

    world.step = recording_step  # type: ignore[method-assign]
    return moved


def record_updates(conn: WorldConnection) -> dict[int, set[int]]:
    """Tick by tick, whose updates ``conn``'s client received."""
    got: dict[int, set[int]] = defaultdict(set)

    def listen(msg: object) -> None:
        if isinstance(msg, Frame):
            got[msg.tick].update(u.id for u in msg.updates)

    conn.mirror.listeners.append(listen)
    return got


async def walk(walkers: list[WorldConnection], stop: asyncio.Event) -> None:
    """Each walker takes a step every time it gets a frame, back and forth (at most the move rate)."""
    step = 0
    while not stop.is_set():
        tick = walkers[0].mirror.tick
        for w in walkers:
            x, y, _ = w.mirror.position
            await w.move(x + (0.05 if step % 20 < 10 else -0.05), y)
        step += 1
        await walkers[0].wait_for(lambda m, t=tick: m.tick > t or stop.is_set(), timeout=30)


def in_sync(conn: WorldConnection, services: Services) -> bool:
    """The client knows exactly whom the server says it sees, where they are."""
    me = conn.mirror.me
    a = services.world.avatars[me]
    interest = a.room.interest
    assert isinstance(interest, GridInterest)
    view = interest.views[me]
    expected = {o.id: (o.xq, o.yq) for o in (*view.near, *view.far)}
    known = {i: (round(s.x * 100), round(s.y * 100)) for i, s in conn.mirror.avatars.items() if i != me}
    return known == expected and set(conn.mirror.members) == {*expected, me}


def undecodable(conn: WorldConnection) -> list[str]:
    return [e.message for e in conn.mirror.errors if e.message.startswith("from server")]


async def test_a_school_arrives_in_the_morning(server: TestServer, http: aiohttp.ClientSession) -> None:
    services = server.app[SERVICES]
    base = str(server.make_url("")).rstrip("/")
    neighbour = await join(http, base, "bot-1")
    walkers = [await join(http, base, f"bot-{10 + i}") for i in range(3)]
    for i, conn in enumerate((neighbour, *walkers)):
        put(services, conn, CORNER[0] + i * 0.8, CORNER[1])
    ids = {w.mirror.me for w in walkers}
    await neighbour.wait_for(lambda m: ids <= set(m.avatars), timeout=10)
    too_big = FRAME_BYTES.counts[-1]
    moved, got = record_moves(services, ids), record_updates(neighbour)
    stop = asyncio.Event()
    walking = asyncio.create_task(walk(walkers, stop))
    first_tick = services.world.tick_no + 1

    gate = asyncio.Semaphore(AT_ONCE)

    async def arrive(i: int) -> WorldConnection:
        async with gate:
            return await join(http, base, f"bot-{100 + i}")

    pupils = await asyncio.gather(*(arrive(i) for i in range(PUPILS)))
    last_tick = services.world.tick_no
    stop.set()
    await walking
    assert len(services.world.avatars) == PUPILS + 4

    during = [t for t in moved if first_tick <= t <= last_tick]
    assert len(during) > 20, "the walkers walked while the school arrived"
    late = [t for t in during if not moved[t] <= got.get(t, set())]
    assert not late, f"ticks whose moves the neighbour did not get in that tick's frame: {late[:10]}"

    everyone = [neighbour, *walkers, *pupils]
    await until(lambda: all(in_sync(c, services) for c in everyone), "every client in sync", timeout=60)
    assert not [c for c in everyone if undecodable(c)], "a client rejected a frame"
    assert FRAME_BYTES.counts[-1] == too_big, "a frame passed 256 KiB"
    assert all(c.close_code is None for c in everyone)
    await asyncio.gather(*(c.close() for c in everyone))


@pytest.fixture
async def small_buffers(tmp_path: Path) -> AsyncIterator[TestServer]:
    async for srv in arena(tmp_path, socket_send_buffer=4096, send_buffer=4096):
        yield srv


async def test_a_client_that_never_reads_stalls_nobody(small_buffers: TestServer, http: aiohttp.ClientSession) -> None:
    """Léa's client stops reading (a tiny receive window, a small server socket buffer): she is coalesced;
    her neighbour gets every walker's move in the frame of the tick it happened, tick numbers strictly
    increasing, and when she reads again one snapshot brings her up to date."""
    services = small_buffers.app[SERVICES]
    world = services.world
    base = str(small_buffers.make_url("")).rstrip("/")
    stuck = await RawClient.open(small_buffers.port, await fetch_demo_token(http, base, "lea.martin"))
    await until(lambda: "demo:lea.martin" in world.by_user, "Léa in the world")
    neighbour = await join(http, base, "bot-1")
    walkers = [await join(http, base, f"bot-{10 + i}") for i in range(20)]
    lea = world.by_user["demo:lea.martin"]
    session = lea.session
    assert session is not None
    lea.place(CORNER[0], CORNER[1] - 0.5, 0.0)
    for i, conn in enumerate((neighbour, *walkers)):
        put(services, conn, CORNER[0] + (i % 7) * 0.8, CORNER[1] + (i // 7) * 0.8)
    ids = {w.mirror.me for w in walkers}
    await neighbour.wait_for(lambda m: ids <= set(m.avatars), timeout=10)
    moved, got = record_moves(services, ids), record_updates(neighbour)
    ticks: list[int] = []
    neighbour.mirror.listeners.append(lambda msg: ticks.append(msg.tick) if isinstance(msg, Frame) else None)
    stop = asyncio.Event()
    walking = asyncio.create_task(walk(walkers, stop))
    await until(lambda: session.delivery.stale, "Léa found slow")
    start = world.tick_no
    await until(lambda: world.tick_no > start + 60, "60 ticks while Léa is stuck")
    stop.set()
    await walking
    assert session.delivery.stale and session.closing is None, "all that while, Léa was stuck"
    during = [t for t in moved if start < t <= start + 60]
    assert len(during) > 20
    assert [t for t in during if not moved[t] <= got.get(t, set())] == []
    assert all(b > a for a, b in itertools.pairwise(ticks)), "tick numbers strictly increasing"
    await stuck.read_for(1.5)  # she reads again: one snapshot brings everyone's latest position
    assert stuck.close_code is None
    for w in walkers:
        a = world.avatars[w.mirror.me]
        seen = stuck.mirror.avatars.get(a.id)
        assert seen is not None and abs(seen.x - a.x) < 0.011 and abs(seen.y - a.y) < 0.011
    stuck.close()
    await asyncio.gather(neighbour.close(), *(w.close() for w in walkers))
