"""The WebSocket endpoint: moves bytes between the socket and the connection's state machine.

Every protocol decision (HELLO first, versions, the handshake deadline, PING, BYE, malformed messages,
flood, close codes) is made by :class:`~cybercollege.protocol.connection.ServerConnection`; this layer
authenticates HELLO, hands decoded messages to the world and does what the events say. Bad input never
reaches the world and never hurts other clients.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import Close, Event, Received, Send, ServerConnection, State
from cybercollege.protocol.messages import Hello, Welcome
from cybercollege.server.auth.tokens import TokenError
from cybercollege.server.core.logs import bad_input
from cybercollege.server.core.room import Refused
from cybercollege.server.core.session import Session
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.edge.transport import WebSocketTransport

if TYPE_CHECKING:
    from cybercollege.server.edge.services import Services

log = logging.getLogger("cybercollege.gateway")

_READ = (WSMsgType.BINARY, WSMsgType.TEXT)
CONNECTS_REFUSED = "trop de connexions en peu de temps : réessayez dans une minute"
MAX_MSG_SIZE = L.MAX_FRAME_BYTES + 1
"""aiohttp's reader closes with 1009 at this many bytes (it refuses ``len >= max_msg_size``): a message of
MAX_FRAME_BYTES is still read, one byte more closes."""


async def websocket(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    settings = services.settings
    ws = web.WebSocketResponse(max_msg_size=MAX_MSG_SIZE, compress=False, heartbeat=20.0)
    try:
        await ws.prepare(request)
    except ConnectionError:  # the client left before the upgrade was answered: nothing to log
        return web.Response(status=400)  # never sent (aiohttp ignores the closed transport's error)
    loop = asyncio.get_running_loop()
    conn = ServerConnection(
        loop.time(), handshake_timeout=settings.handshake_timeout, flood_rate=settings.flood_rate
    )
    if services.stopping:
        await _direct(ws, conn.refuse(ErrorCode.SHUTTING_DOWN, "server is shutting down", CloseCode.GOING_AWAY))
        return ws
    services.connections += 1
    session = Session(WebSocketTransport(ws, request.transport, settings), settings)
    try:
        hello = await _handshake(ws, conn)
        if hello is not None and await _welcome(services, ws, conn, session, hello, request.remote):
            await _serve(services, ws, conn, session, request.remote)
    finally:
        services.connections -= 1
        conn.closed(ws.close_code)
        a = session.avatar
        if a is not None:
            services.world.detach(a, session, leaving=conn.leaving)
    return ws


async def _handshake(ws: web.WebSocketResponse, conn: ServerConnection) -> Hello | None:
    """The first message, before the deadline: HELLO, or the refusal is sent and the socket closed."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(conn.deadline):
            msg = await ws.receive()
    except TimeoutError:
        await _direct(ws, conn.timeout(loop.time()))
        return None
    if msg.type not in _READ:
        return None  # closed before saying anything
    await _direct(ws, conn.receive(msg.data, loop.time()))
    return conn.hello if conn.state is State.CONNECTING else None


async def _welcome(
    services: Services,
    ws: web.WebSocketResponse,
    conn: ServerConnection,
    session: Session,
    hello: Hello,
    peer: str | None,
) -> bool:
    """Authenticate HELLO and place the avatar; True once WELCOME is on its way."""
    try:
        verified = services.tokens.check(hello.token)
    except TokenError as exc:
        bad_input(log, "auth_refused", reason=exc.code, why=exc.reason, peer=peer)  # a loop of bad tokens: bounded
        await _direct(ws, conn.refuse(exc.error_code, exc.message, CloseCode.UNAUTHORIZED))
        return False
    identity = verified.identity
    if not services.connects.take(identity.user_id):  # reconnecting in a loop: refused before any work
        error, *close = conn.refuse(ErrorCode.RATE_LIMITED, CONNECTS_REFUSED, CloseCode.FLOOD)
        await _direct(ws, [error])
        if isinstance(session.transport, WebSocketTransport):
            await session.transport.hold()  # and kept waiting, unread, before it may try again
        await _direct(ws, close)
        return False
    session.sid, session.expires_at = verified.sid, verified.expires_at
    place = await services.load_place(identity)
    await services.claim(identity.user_id)  # before WELCOME: once she has it, a login elsewhere replaces this one
    try:
        a = services.world.attach(identity, session, hello.resume, place)
    except Refused as refused:
        await _direct(ws, conn.refuse(refused.code, refused.message, CloseCode.REMOVED))
        return False
    assert conn.version is not None  # set with conn.hello
    welcome = Welcome(
        conn.version, a.record(), a.room.id, a.resume_token, services.world_hash, services.settings.tick_hz,
        services.limits,
    )
    for ev in conn.accept(welcome):
        if isinstance(ev, Send):
            session.queue(ev.data)  # through the connection's one way out: before any frame
    return True


async def _serve(
    services: Services, ws: web.WebSocketResponse, conn: ServerConnection, session: Session, peer: str | None
) -> None:
    world = services.world
    loop = asyncio.get_running_loop()
    async for msg in ws:
        if msg.type not in _READ:
            if msg.type == WSMsgType.ERROR:
                bad_input(log, "ws_error", peer=peer, error=str(ws.exception()))
                break
            continue
        data = msg.data
        world.messages_in += 1
        world.bytes_in += len(data)
        for ev in conn.receive(data, loop.time()):
            if type(ev) is Received:
                a = session.avatar
                if a is None:  # removed from the world (kicked, replaced): stop reading
                    return
                try:
                    world.handle(a, ev.message)
                except Exception:  # a bug must not take other clients down; the client gets a coded error
                    log.exception("handler failed", extra={"user": _user(session)})
                    session.error(ErrorCode.INTERNAL, "internal error", ev.message.__protocol__.code)
            elif type(ev) is Send:  # an ERROR or a PONG: on its own, after what is pending
                if ev.error is not None:
                    bad_input(log, "bad_message", code=ErrorCode(ev.error.code).name, why=ev.error.message,
                              user=_user(session))
                session.delivery.answer(ev.data)
            elif type(ev) is Close:  # after what is queued (the last ERROR); reading on, conn drops everything
                if ev.code == CloseCode.FLOOD:
                    bad_input(log, "flood", peer=peer, user=_user(session))
                session.close_later(ev.code, ev.reason)
    if ws.close_code == CloseCode.MESSAGE_TOO_BIG:
        bad_input(log, "frame_too_large", user=_user(session))


async def _direct(ws: web.WebSocketResponse, events: list[Event]) -> None:
    """Before WELCOME, nothing else writes: send and close directly."""
    try:
        for ev in events:
            if isinstance(ev, Send):
                if ev.error is not None:
                    bad_input(log, "refused", code=ErrorCode(ev.error.code).name, why=ev.error.message)
                await ws.send_bytes(ev.data)
            elif isinstance(ev, Close):
                await ws.close(code=ev.code, message=ev.reason.encode()[:120])
    except (ConnectionError, RuntimeError):
        pass


def _user(session: Session) -> str | None:
    return session.avatar.identity.user_id if session.avatar else None


__all__ = ["websocket"]
