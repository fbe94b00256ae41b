"""A reconnect storm: after a restart the whole school comes back at once, and everyone is back where they
were, full rooms included (the hall with its 300, the CDI with its 40). benchmarks/storm_bench.py measures
the same with 1,000 clients and a real process killed (docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.protocol.connection import ClientConnection
from cybercollege.protocol.messages import Welcome
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from cybercollege.server.persistence import Place, Store
from cybercollege.worlds.loader import default_world_path, load_world
from tests.server.waits import HANG

WHERE = {"hall": 300, "cdi": 40, "cour": 60}
"""Where the pupils were when the server stopped: the hall and the CDI exactly full."""


def places() -> list[Place]:
    world = load_world(default_world_path())
    rng = random.Random(3)
    found: list[Place] = []
    for room_id, count in WHERE.items():
        room = world.rooms[room_id]
        x0, y0, x1, y1 = room.bounds
        while sum(p.room_id == room_id for p in found) < count:
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if room.contains(x, y):
                found.append(Place(f"demo:bot-{len(found)}", room_id, x, y, 0.0))
    return found


@pytest.fixture
async def restarted(settings: Settings) -> AsyncIterator[TestServer]:
    """A fresh server whose database remembers everyone's place, as after a restart."""
    async with Store(settings.database_url) as store:
        await store.save_places(places())
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def come_back(
    http: aiohttp.ClientSession, srv: TestServer, login: str
) -> tuple[Welcome, aiohttp.ClientWebSocketResponse]:
    """HELLO with a still valid token (the client kept it), and the WELCOME."""
    services = srv.app[SERVICES]
    assert services.directory is not None
    token = services.tokens.issue(services.directory.identity(login))
    ws = await http.ws_connect(srv.make_url("/ws"))
    conn = ClientConnection()
    await ws.send_bytes(conn.hello(token))
    conn.receive(await ws.receive_bytes(timeout=HANG))
    assert conn.welcome is not None, conn.refusal
    return conn.welcome, ws


async def everyone_back(srv: TestServer) -> tuple[dict[str, str], list[aiohttp.ClientWebSocketResponse]]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        results = await asyncio.gather(*(come_back(http, srv, p.user_id.removeprefix("demo:")) for p in places()))
        rooms = {welcome.you.name: welcome.room for welcome, _ in results}
        for _, ws in results:
            await ws.close()
    return rooms, [ws for _, ws in results]


async def test_after_a_restart_everyone_is_back_where_they_were_full_rooms_included(restarted: TestServer) -> None:
    rooms, _ = await everyone_back(restarted)
    expected = {f"Bot {p.user_id.removeprefix('demo:bot-')}": p.room_id for p in places()}
    assert rooms == expected
    services: Services = restarted.app[SERVICES]
    assert services.places.failures == 0
    assert services.places.queries < len(expected) / 10  # batched: a handful of queries, not one per pupil


async def test_a_database_that_fails_keeps_nobody_out_and_logs_once_per_batch(
    restarted: TestServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services: Services = restarted.app[SERVICES]

    async def broken(user_ids: list[str]) -> dict[str, Place]:
        raise ConnectionError("the database is gone")

    monkeypatch.setattr(services.store, "load_places", broken)
    with caplog.at_level(logging.WARNING):
        rooms, _ = await everyone_back(restarted)
    assert len(rooms) == len(places())  # everyone in, at the spawn or its overflow
    assert set(rooms.values()) <= {"hall", *services.world.spec.overflow_rooms}
    failures = [r for r in caplog.records if "could not load" in r.getMessage()]
    assert 1 <= len(failures) == services.places.queries < len(rooms) / 10
    assert not any(r.exc_info for r in caplog.records)  # one line per batch, no traceback

