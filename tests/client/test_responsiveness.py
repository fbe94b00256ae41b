"""The network stays responsive while frames render: asyncio owns the loop.

Software GL with ``gl-finish`` makes the CPU wait for every pixel, which no GPU does; like a real GPU,
rendering here runs without it (llvmpipe rasterises on its own threads while the loop goes on). The pings go
to a server that answers at once, on loopback, while the client renders the college with a live connection
to the real server. What is checked does not depend on the machine's speed: every ping is answered, frames
keep being rendered meanwhile, and pings are answered between two frames (the network does not wait for the
next frame). How long a round trip takes while rendering (p50, p99, against the same pings without
rendering) is measured by ``python -m benchmarks.client_bench --ping`` (docs/benchmarks.md). Software GL
runs one rasteriser thread (tests/client/conftest.py) so that, as with a GPU, rasterising does not take the
client's core.
"""

from __future__ import annotations

import asyncio
import random
import statistics

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from panda3d.core import ConfigVariableBool

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.connection import Send, ServerConnection, State
from cybercollege.protocol.messages import Avatar, Welcome
from tests.client.sessions import in_world, start, stop


async def immediate_pong_server() -> TestServer:
    async def ws_handler(request):
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        conn = ServerConnection(loop.time(), flood_rate=1e6)  # an echo for 600 pings in a row, not a flood
        async for msg in ws:
            if msg.type != WSMsgType.BINARY:
                continue
            events = conn.receive(msg.data, loop.time())  # a PING is answered by a Send(PONG)
            if conn.state is State.CONNECTING and conn.hello is not None:
                you = Avatar(1, "Echo", "pupil", 0, 0, 0, 0)
                events = conn.accept(Welcome(1, you, "hall", "r1", "w", 20, {}))
            for ev in events:
                if isinstance(ev, Send):
                    await ws.send_bytes(ev.data)
        return ws

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


PINGS = 600
HANG = 15.0
"""Seconds before one ping counts as hung (on loopback it takes about a millisecond)."""


async def round_trips(conn: WorldConnection, driver, n: int) -> tuple[list[float], list[int]]:
    """``n`` pings: their round trips (sorted), and for each, how many frames were drawn while it was out."""
    rng = random.Random(7)
    rtts, frames = [], []
    for _ in range(n):
        before = driver.frames
        try:
            rtts.append(await asyncio.wait_for(conn.ping(), HANG))
        except TimeoutError:
            raise AssertionError(f"hung: a ping not answered after {HANG} s") from None
        frames.append(driver.frames - before)
        await asyncio.sleep(rng.uniform(0.0, 0.012))  # sample every phase of the frame
    return sorted(rtts), frames


@pytest.fixture
def gpu_like():
    finish = ConfigVariableBool("gl-finish")
    before = finish.get_value()
    finish.set_value(False)
    yield
    finish.set_value(before)


async def test_pings_are_answered_between_frames_while_rendering(base, gpu_like, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    echo = await immediate_pong_server()
    conn = WorldConnection(http, str(echo.make_url("")).rstrip("/"), "token")
    await conn.connect()
    try:
        frames = driver.frames
        rtts, waited = await round_trips(conn, driver, PINGS)
        rendered = driver.frames - frames
        p50, p99 = statistics.median(rtts), rtts[int(len(rtts) * 0.99) - 1]
        print(f"\nping over loopback while rendering: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, "
              f"{rendered} frames (p50 {statistics.median(driver.times) * 1000:.1f} ms); frames drawn during a ping: "
              f"{ {n: waited.count(n) for n in sorted(set(waited))} }")
        assert len(rtts) == PINGS, "every ping answered"
        assert rendered > 60, "frames kept rendering during the test"
        assert 0 in waited, "pings are answered between two frames, not once a frame"
        world, _ = await round_trips(session.conn, driver, 40)
        print(f"ping to the world server: p50 {statistics.median(world) * 1000:.1f} ms")
    finally:
        await conn.close()
        await echo.close()
        await stop(session, task)
