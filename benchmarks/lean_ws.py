"""A minimal WebSocket client for the load generator: thousands of connections in one process.

aiohttp's client costs ~20-30 µs per received message; with 1,000 bots the load generator, not the server,
would set the latency. This one parses frame headers only, hands payloads to a callback only when asked
(observers), and masks with a zero key (legal, and the XOR is a no-op). Benchmark use only.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from cybercollege.protocol.connection import ClientConnection
    from cybercollege.protocol.messages import Welcome

Handler = Callable[[bytes], None]


class LeanWebSocket(asyncio.Protocol):
    def __init__(self, on_message: Handler | None, counts: dict[str, int]) -> None:
        self.on_message = on_message
        self.counts = counts
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.first: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    @classmethod
    async def connect(cls, host: str, port: int, path: str, on_message: Handler | None,
                      counts: dict[str, int]) -> Self:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: cls(on_message, counts), host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        transport = protocol.transport
        assert transport is not None  # connection_made ran before create_connection returned
        transport.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await protocol.upgraded
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def send(self, payload: bytes) -> None:
        """One binary message (under 64 KiB)."""
        self._frame(0x82, payload)

    def _frame(self, first: int, payload: bytes) -> None:
        n = len(payload)
        header = bytes((first, 0x80 | n)) if n < 126 else bytes((first, 0x80 | 126)) + n.to_bytes(2, "big")
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(header + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.upgraded.done():
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            del buf[: end + 4]
            self.upgraded.set_result(None)
        counts = self.counts
        while len(buf) >= 2:
            opcode, length, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, start = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, start = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < start + length:
                return
            if opcode == 0x2:
                counts["frames"] += 1
                counts["bytes"] += length
                if not self.first.done():
                    self.first.set_result(bytes(buf[start : start + length]))
                elif self.on_message is not None:
                    self.on_message(bytes(buf[start : start + length]))
            elif opcode == 0x9 and self.transport is not None:  # the server's heartbeat: PONG, same payload
                self._frame(0x8A, bytes(buf[start : start + length]))
            elif opcode == 0x8 and self.transport is not None:
                self.transport.close()
            del buf[: start + length]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def handshake(ws: LeanWebSocket, conn: ClientConnection, token: str, agent: str) -> Welcome | None:
    """Send HELLO and read the first message: the WELCOME, or None (``conn.refusal`` says why; None if silent)."""
    loop = asyncio.get_running_loop()
    ws.send(conn.hello(token, agent, now=loop.time()))
    try:
        async with asyncio.timeout_at(conn.deadline):
            conn.receive(await ws.first, loop.time())
    except TimeoutError:
        conn.timeout(loop.time())
    return conn.welcome
