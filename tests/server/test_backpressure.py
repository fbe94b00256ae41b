"""A slow client gets coalesced state, never an unbounded queue, and never slows anyone else.

The slow client is a real TCP socket with a tiny receive window that stops reading; the server's kernel
send buffer is made small (``socket_send_buffer``) so the slowness shows within a second.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.mirror import Mirror
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode, Direction, decode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Hello
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from tests.server.conftest import make_settings
from tests.server.waits import HANG, answered, until


class RawClient:
    """A WebSocket client on a bare socket, so the test decides when (and whether) to read."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self.buffer = b""
        self.mirror = Mirror()
        self.close_code: int | None = None

    @classmethod
    async def open(cls, port: int, token: str) -> RawClient:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.setblocking(False)
        client = cls(sock)
        await client.loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        await client.loop.sock_sendall(
            sock,
            f"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
        )
        while b"\r\n\r\n" not in client.buffer:
            client.buffer += await client.loop.sock_recv(sock, 4096)
        client.buffer = client.buffer.split(b"\r\n\r\n", 1)[1]
        payload, mask = encode(Hello([1], token)), os.urandom(4)
        header = bytes([0x82, 0x80 | 126]) + len(payload).to_bytes(2, "big")
        await client.loop.sock_sendall(
            sock, header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        )
        return client

    async def read_for(self, seconds: float) -> None:
        """Read and apply everything that arrives during ``seconds``."""
        end = self.loop.time() + seconds
        while self.loop.time() < end and self.close_code is None:
            try:
                chunk = await asyncio.wait_for(self.loop.sock_recv(self.sock, 65536), end - self.loop.time())
            except TimeoutError:
                break
            if not chunk:
                break
            self.buffer += chunk
            self._parse()

    def _parse(self) -> None:
        while len(self.buffer) >= 2:
            opcode, length, start = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < start + length:
                return
            payload, self.buffer = self.buffer[start : start + length], self.buffer[start + length :]
            if opcode == 0x2:
                self.mirror.apply(decode(payload, Direction.TO_CLIENT))
            elif opcode == 0x8:
                self.close_code = int.from_bytes(payload[:2], "big")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def max_pending_events() -> int:
    return Settings.model_fields["max_pending_events"].default  # type: ignore[no-any-return]


@pytest.fixture
async def small_buffers(tmp_path: Path, max_pending_events: int) -> AsyncIterator[TestServer]:
    settings = make_settings(
        tmp_path, socket_send_buffer=4096, send_buffer=4096, max_pending_events=max_pending_events
    )
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def walkers(http: aiohttp.ClientSession, base: str, n: int) -> list[WorldConnection]:
    conns = []
    for i in range(n):
        conn = WorldConnection(http, base, await fetch_demo_token(http, base, f"bot-{i + 1}"))
        await conn.connect()
        conns.append(conn)
    return conns


async def walk(
    conns: list[WorldConnection], steps: int, services: Services, stop_when_slow: bool = False
) -> None:
    for step in range(steps):
        for conn in conns:
            x, y, _ = conn.mirror.position
            await conn.move(x + (0.1 if step % 40 < 20 else -0.1), y)
        await asyncio.sleep(0.05)
        if stop_when_slow and services.world.counters.slow:
            return


async def test_slow_client_gets_coalesced_state(small_buffers: TestServer) -> None:
    services = small_buffers.app[SERVICES]
    base = str(small_buffers.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        slow = await RawClient.open(small_buffers.port, await fetch_demo_token(http, base, "lea.martin"))
        others = await walkers(http, base, 30)
        await walk(others, 200, services, stop_when_slow=True)
        assert services.world.counters.slow > 0, "the slow client was never detected"
        tick = services.world.tick_no
        await walk(others, 40, services)  # keep moving while it is slow
        lea = services.world.by_user["demo:lea.martin"]
        assert lea.session is not None and lea.session.delivery.stale
        assert lea.session.transport.buffered() < 4096 + 16 * 1024  # bounded: no growing queue
        assert lea.session.delivery.queued_bytes < 4096 + L.MAX_SERVER_FRAME_BYTES
        assert len(lea.session.delivery.pending) <= services.settings.max_pending_events
        # the others did not notice: the world ticked on and they are served while she is stuck
        await until(lambda: services.world.tick_no >= tick + 40, "40 ticks while a client is stuck")
        await answered(others[0])
        assert lea.session.delivery.stale and lea.session.closing is None, "all that while, she was stuck"
        # the slow client catches up: one snapshot brings everyone's latest position
        def caught_up() -> bool:
            return all((seen := slow.mirror.avatars.get(a.id)) is not None and abs(seen.x - a.x) < 0.011
                       and abs(seen.y - a.y) < 0.011
                       for a in (services.world.avatars[c.mirror.me] for c in others))  # fmt: skip

        async with asyncio.timeout(HANG):  # read until it has caught up (a fixed window was flaky under load)
            while not caught_up() and slow.close_code is None:
                await slow.read_for(0.2)
        assert slow.close_code is None
        for conn in others:
            a = services.world.avatars[conn.mirror.me]
            seen = slow.mirror.avatars.get(a.id)
            assert seen is not None, f"{a.identity.display_name} missing after catch-up"
            assert abs(seen.x - a.x) < 0.011 and abs(seen.y - a.y) < 0.011
        slow.close()
        for conn in others:
            await conn.close()


@pytest.mark.parametrize("max_pending_events", [64])
async def test_too_many_undelivered_events_close_with_4008(small_buffers: TestServer) -> None:
    services = small_buffers.app[SERVICES]
    base = str(small_buffers.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        slow = await RawClient.open(small_buffers.port, await fetch_demo_token(http, base, "lea.martin"))
        others = await walkers(http, base, 30)
        await walk(others, 200, services, stop_when_slow=True)
        for round_ in range(3):  # chat is an event: it must be delivered, so it counts against the cap
            for conn in others:
                await conn.say(f"message {round_}")
            await asyncio.sleep(0.1)
        await answered(others[0])  # the others are served while the slow client is being closed
        await slow.read_for(HANG)  # until it is closed (a hang detector, not a window)
        assert slow.close_code == CloseCode.TOO_SLOW
        slow.close()
        for conn in others:
            await conn.close()
