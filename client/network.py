"""The client's connection to the world server: asyncio + aiohttp around the sans-I/O protocol.

Used by the Panda3D client, the tests and scripts. It keeps a :class:`Mirror` up to date and lets callers
wait for a condition on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import aiohttp

from cybercollege.client.mirror import Mirror
from cybercollege.protocol import ErrorCode, ProtocolError
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import ClientConnection
from cybercollege.protocol.messages import Bye, Error, Move, Ping, Say, UseDoor, Welcome, Whisper
from cybercollege.protocol.quantize import heading_to_wire, to_cm
from cybercollege.protocol.whiteboard import GivePen, StrokeBegin, StrokeEnd, StrokePoints


class ConnectionRefused(Exception):
    """The server refused us: ``code`` is the protocol ErrorCode, ``close_code`` the WebSocket one."""

    def __init__(self, message: str, code: int | None = None, close_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.close_code = close_code


async def fetch_demo_token(http: aiohttp.ClientSession, url: str, login: str) -> str:
    """A session token for a demo user (demo mode servers only)."""
    async with http.post(f"{url}/auth/demo", json={"login": login}) as resp:
        if resp.status != 200:
            raise ConnectionRefused(
                f"connexion de démonstration refusée ({resp.status}) : {await resp.text()}"
            )
        return (await resp.json())["access_token"]


class WorldConnection:
    """One live connection. ``await connect()``, then send and ``wait_for`` what you expect."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.token = token
        self.mirror = Mirror()
        self.protocol = ClientConnection()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.close_code: int | None = None
        self.received = 0
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._seq = 0
        self._cid = 0

    async def connect(self, resume: str | None = None, timeout: float = 10.0) -> Welcome:
        self.protocol = ClientConnection()
        try:
            self.ws = await self.http.ws_connect(
                f"{self.url}/ws",
                compress=0,
                max_msg_size=L.MAX_SERVER_FRAME_BYTES,
                timeout=aiohttp.ClientWSTimeout(ws_close=5),
            )
        except (aiohttp.ClientError, OSError) as exc:
            raise ConnectionRefused(f"serveur injoignable : {exc}") from exc
        await self.ws.send_bytes(self.protocol.hello(self.token, resume=resume))
        msg = await self.ws.receive(timeout)
        if msg.type != aiohttp.WSMsgType.BINARY:
            raise ConnectionRefused(
                "connexion fermée pendant la poignée de main", close_code=self.ws.close_code
            )
        first = self.protocol.receive(msg.data)
        if isinstance(first, Error):
            await self.ws.receive(timeout)  # the close frame
            raise ConnectionRefused(first.message, first.code, self.ws.close_code)
        if not isinstance(first, Welcome):
            raise ConnectionRefused(f"unexpected first message {type(first).__name__}")
        self.mirror.apply(first)
        self._reader = asyncio.create_task(self._read())
        return first

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.BINARY:
                    continue
                self.received += 1
                try:
                    decoded = self.protocol.receive(msg.data)
                except ProtocolError as exc:
                    self.mirror.errors.append(Error(int(exc.code), f"from server: {exc.message}"))
                    continue
                self.mirror.apply(decoded)
                async with self._changed:
                    self._changed.notify_all()
        finally:
            self.close_code = self.ws.close_code
            async with self._changed:
                self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Mirror], object], timeout: float = 5.0) -> None:
        """Wait until ``predicate(mirror)`` is true (checked after each message)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: bool(predicate(self.mirror)) or self.closed)
        if not predicate(self.mirror):
            raise ConnectionRefused("connection closed", close_code=self.close_code)

    async def wait_closed(self) -> int | None:
        """Wait until the connection ends; returns the WebSocket close code."""
        if self._reader is not None:
            await asyncio.gather(asyncio.shield(self._reader), return_exceptions=True)
        return self.close_code

    @property
    def closed(self) -> bool:
        return self.ws is None or self.ws.closed

    async def send(self, msg: object) -> None:
        assert self.ws is not None
        await self.ws.send_bytes(self.protocol.send(msg))

    async def move(self, x: float, y: float, heading: float = 0.0, anim: int = 1) -> int:
        self._seq += 1
        await self.send(Move(self._seq, to_cm(x), to_cm(y), heading_to_wire(heading), anim))
        self.mirror.position = (x, y, heading)
        return self._seq

    async def say(self, text: str) -> None:
        await self.send(Say(text))

    async def whisper(self, to: int, text: str) -> None:
        await self.send(Whisper(to, text))

    async def use_door(self, door: str) -> None:
        await self.send(UseDoor(door))

    def new_cid(self) -> int:
        """A fresh id for my next whiteboard operation (BOARD_ACK names it)."""
        self._cid += 1
        return self._cid

    async def draw(
        self, board: str, points: list[int], page: int = 0, tool: int = 0, colour: int = 0, width: int = 30
    ) -> int:
        """Draw a whole stroke at once (begin, points by 64, end); returns its cid."""
        cid = self.new_cid()
        await self.send(StrokeBegin(board, cid, page, tool, colour, width, points[:128]))
        for i in range(128, len(points), 128):
            await self.send(StrokePoints(board, cid, points[i : i + 128]))
        await self.send(StrokeEnd(board, cid))
        return cid

    async def give_pen(self, board: str, avatar: int, give: bool = True) -> None:
        await self.send(GivePen(board, avatar, give))

    async def ping(self) -> float:
        """Round trip in seconds."""
        nonce = int(time.monotonic() * 1000) & 0xFFFFFFFF
        start = time.perf_counter()
        await self.send(Ping(nonce))
        await self.wait_for(lambda m: any(p.nonce == nonce for p in m.pongs))
        return time.perf_counter() - start

    async def drop(self) -> None:
        """Lose the connection without saying goodbye (the avatar stays for the grace period)."""
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close(code=1001)

    async def close(self) -> None:
        """Leave for good."""
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(ConnectionError, ProtocolError, RuntimeError):
                await self.send(Bye())
            await self.ws.close()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)


__all__ = ["ConnectionRefused", "ErrorCode", "WorldConnection", "fetch_demo_token"]
