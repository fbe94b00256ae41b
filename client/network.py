"""The client's connection to the world server: asyncio + aiohttp around the sans-I/O protocol.

The one client network library: the Panda3D client, the bots, the tests and scripts use it (the load
generator uses its state machine and token fetcher over a leaner socket). It imports neither Panda3D nor
the server. It keeps a :class:`Mirror` up to date and lets callers wait for a condition on it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp

from cybercollege.client.mirror import Mirror
from cybercollege.protocol import ErrorCode
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import ClientConnection, Close, Event, Received, Send, State
from cybercollege.protocol.messages import Error, Move, Reauth, Reauthed, Say, UseDoor, Welcome, Whisper
from cybercollege.protocol.quantize import heading_to_wire, to_cm
from cybercollege.protocol.whiteboard import GivePen, StrokeBegin, StrokeEnd, StrokePoints

_nonces = itertools.count(1)
log = logging.getLogger("cybercollege.client.network")

Refresh = Callable[[], Awaitable[str]]
"""Returns a fresh access token for the same user (e.g. :func:`refresher`'s ``POST /auth/refresh``)."""
REFRESH_AHEAD_S = 60.0
"""Refresh this long before the token expires (or halfway through a shorter token's life)."""
RETRY_S = 5.0


class ConnectionRefused(Exception):
    """The server refused us: ``code`` is the protocol ErrorCode, ``close_code`` the WebSocket one."""

    def __init__(self, message: str, code: int | None = None, close_code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.close_code = close_code


async def fetch_demo_token(http: aiohttp.ClientSession, url: str, login: str) -> str:
    """A session token for a demo user (demo mode servers only)."""
    return (await fetch_demo_tokens(http, url, login))[0]


async def fetch_demo_tokens(http: aiohttp.ClientSession, url: str, login: str) -> tuple[str, str]:
    """The access and refresh tokens of a demo user (demo mode servers only)."""
    async with http.post(f"{url}/auth/demo", json={"login": login}) as resp:
        if resp.status != 200:
            raise ConnectionRefused(f"connexion de démonstration refusée ({resp.status}) : {await resp.text()}")
        data = await resp.json()
        return data["access_token"], data["refresh_token"]


def refresher(http: aiohttp.ClientSession, url: str, refresh_token: str) -> Refresh:
    """A :data:`Refresh` through ``POST /auth/refresh``; it keeps the rotated refresh token."""
    current = refresh_token

    async def refresh() -> str:
        nonlocal current
        async with http.post(f"{url.rstrip('/')}/auth/refresh", json={"refresh_token": current}) as resp:
            data = await resp.json(content_type=None)
            if resp.status != 200 or not isinstance(data, dict):
                message = data.get("message") if isinstance(data, dict) else None
                raise ConnectionRefused(message or f"renouvellement refusé (HTTP {resp.status})")
        current = str(data["refresh_token"])
        return str(data["access_token"])

    return refresh


def token_times(token: str) -> tuple[int, int] | None:
    """When a session token was issued and when it expires (its ``iat`` and ``exp``, read, not verified)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return int(claims["iat"]), int(claims["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return None


class WorldConnection:
    """One live connection. ``await connect()``, then send and ``wait_for`` what you expect.

    Every protocol rule (handshake, deadline, resume value, PING round trips, BYE) is the state machine's,
    :class:`~cybercollege.protocol.connection.ClientConnection` (``self.protocol``); this class moves bytes.

    With ``refresh``, the connection outlives its token: before the token expires it gets a fresh one and sends
    ``REAUTH`` (the server closes a connection whose token expired with 4013).
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        url: str,
        token: str,
        client: str = "cybercollege",
        refresh: Refresh | None = None,
    ) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.token = token
        self.client = client
        self.refresh = refresh
        self.reauthed = 0
        """REAUTHED answers received (the server accepted a fresh token)."""
        self._renewer: asyncio.Task[None] | None = None
        self.mirror = Mirror()
        self.protocol = ClientConnection()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.close_code: int | None = None
        self.received = 0
        """Messages received (a FRAME counts one)."""
        self.received_bytes = 0
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._seq = 0
        self._cid = 0

    async def connect(self, resume: str | None = None, timeout: float = 10.0) -> Welcome:
        """Open the WebSocket and do the handshake; raises :class:`ConnectionRefused` if it fails."""
        loop = asyncio.get_running_loop()
        self.protocol = conn = ClientConnection()
        conn.handshake_timeout = timeout
        try:
            self.ws = ws = await self.http.ws_connect(
                f"{self.url}/ws",
                compress=0,
                max_msg_size=L.MAX_SERVER_FRAME_BYTES,
                timeout=aiohttp.ClientWSTimeout(ws_close=5),
            )
        except (aiohttp.ClientError, OSError) as exc:
            raise ConnectionRefused(f"serveur injoignable : {exc}") from exc
        await ws.send_bytes(conn.hello(self.token, self.client, resume, loop.time()))
        try:
            async with asyncio.timeout_at(conn.deadline):
                await self._handshake(ws)
        except TimeoutError:
            await self._act(conn.timeout(loop.time()))
            raise ConnectionRefused("pas de réponse du serveur pendant la poignée de main") from None
        welcome = conn.welcome
        if welcome is None:
            if not ws.closed:
                with contextlib.suppress(TimeoutError):
                    await ws.receive(5)  # the server's close frame, which says its code
            self.close_code = ws.close_code
            refusal = conn.refusal
            if refusal is None:
                raise ConnectionRefused("connexion fermée pendant la poignée de main", close_code=ws.close_code)
            raise ConnectionRefused(refusal.message, refusal.code, ws.close_code)
        self._reader = asyncio.create_task(self._read())
        if self.refresh is not None and self._renewer is None:
            if self._on_message not in self.mirror.listeners:
                self.mirror.listeners.append(self._on_message)
            self._renewer = asyncio.create_task(self._keep_fresh())
        return welcome

    def _on_message(self, msg: object) -> None:
        if isinstance(msg, Reauthed):
            self.reauthed += 1

    async def _keep_fresh(self) -> None:
        """Refresh the token before it expires and send it (REAUTH); retry a failed refresh every few seconds."""
        assert self.refresh is not None
        while not self.closed:
            times = token_times(self.token)
            if times is None:
                log.warning("the session token says no expiry: it will not be refreshed")
                return
            issued, expires = times
            ahead = min(REFRESH_AHEAD_S, (expires - issued) / 2)
            await asyncio.sleep(max(0.0, expires - ahead - time.time()))
            if self.closed:
                return
            try:
                token = await self.refresh()
                fresh = token_times(token)
                if fresh is None or fresh[1] <= expires:
                    raise ConnectionRefused("le jeton renouvelé n'expire pas plus tard")
            except Exception:
                log.warning("could not refresh the session token; retrying", exc_info=True)
                await asyncio.sleep(min(RETRY_S, max(0.1, (expires - time.time()) / 4)))
                continue
            self.token = token
            with contextlib.suppress(ConnectionError, RuntimeError, AssertionError):
                await self.send(Reauth(token))

    async def _handshake(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read until WELCOME or a refusal."""
        conn = self.protocol
        while conn.state is State.CONNECTING:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.BINARY:
                conn.closed(ws.close_code)
                return
            await self._act(conn.receive(msg.data, asyncio.get_running_loop().time()))

    async def _act(self, events: list[Event]) -> None:
        """Do what the state machine says: apply, send, close."""
        ws = self.ws
        for ev in events:
            if isinstance(ev, Received):
                self.mirror.apply(ev.message)
            elif ws is None or ws.closed:
                continue
            elif isinstance(ev, Send):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_bytes(ev.data)
            elif isinstance(ev, Close):
                await ws.close(code=ev.code, message=ev.reason.encode()[:120])

    async def _read(self) -> None:
        assert self.ws is not None
        loop = asyncio.get_running_loop()
        receive = self.protocol.receive
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.BINARY:
                    continue
                self.received += 1
                self.received_bytes += len(msg.data)
                invalid = self.protocol.invalid
                await self._act(receive(msg.data, loop.time()))
                if self.protocol.invalid > invalid:
                    self.mirror.errors.append(Error(int(ErrorCode.MALFORMED), "from server: undecodable message"))
                async with self._changed:
                    self._changed.notify_all()
        finally:
            self._stop_renewing()
            self.close_code = self.ws.close_code
            self.protocol.closed(self.close_code)
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
        loop = asyncio.get_running_loop()
        nonce = next(_nonces)
        assert self.ws is not None
        await self.ws.send_bytes(self.protocol.ping(nonce, loop.time()))
        await self.wait_for(lambda m: any(p.nonce == nonce for p in m.pongs))
        return self.protocol.rtt or 0.0

    def _stop_renewing(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    async def drop(self) -> None:
        """Lose the connection without saying goodbye (the avatar stays for the grace period)."""
        self._stop_renewing()
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close(code=1001)

    async def close(self) -> None:
        """Leave for good (BYE: no resume)."""
        self._stop_renewing()
        if self.ws is not None and not self.ws.closed:
            await self._act(self.protocol.bye())
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)


__all__ = ["ConnectionRefused", "ErrorCode", "Refresh", "WorldConnection", "fetch_demo_token", "fetch_demo_tokens",
           "refresher", "token_times"]
