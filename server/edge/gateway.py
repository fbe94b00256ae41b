"""The WebSocket endpoint: handshake, then decode each message and hand it to the world.

Bad input never reaches the world and never hurts other clients: the offender gets an ERROR with a
stable code (or a close with a documented code) and the server logs one line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from cybercollege.protocol import CloseCode, ErrorCode, ProtocolError, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import ServerConnection, negotiate
from cybercollege.protocol.messages import Bye, Error, Hello, Ping, Pong, Welcome
from cybercollege.server.auth.tokens import TokenError
from cybercollege.server.core.logs import event
from cybercollege.server.core.room import Refused
from cybercollege.server.core.session import Session
from cybercollege.server.edge.services import SERVICES

if TYPE_CHECKING:
    from cybercollege.server.edge.services import Services

log = logging.getLogger("cybercollege.gateway")

MALFORMED_BEFORE_CLOSE = 20
"""Protocol errors a client may make (per connection) before it is closed with 4000."""


async def websocket(request: web.Request) -> web.WebSocketResponse:
    services = request.app[SERVICES]
    settings = services.settings
    ws = web.WebSocketResponse(max_msg_size=L.MAX_FRAME_BYTES, compress=False, heartbeat=20.0)
    await ws.prepare(request)
    if services.stopping:
        await _refuse(ws, ErrorCode.SHUTTING_DOWN, "server is shutting down", CloseCode.GOING_AWAY)
        return ws
    services.connections += 1
    conn = ServerConnection()
    session = Session(ws, request.transport, settings)
    peer = request.remote
    try:
        hello = await _handshake(ws, conn, settings.handshake_timeout)
        if hello is None:
            return ws
        await _welcome(services, ws, conn, session, hello, peer)
        if session.avatar is not None:
            await _serve(services, ws, conn, session, peer)
    finally:
        services.connections -= 1
        a = session.avatar
        if a is not None:
            services.world.detach(
                a, session, leaving=session.closing is not None and session.closing[0] == CloseCode.NORMAL
            )
    return ws


async def _handshake(ws: web.WebSocketResponse, conn: ServerConnection, timeout: float) -> Hello | None:
    try:
        async with asyncio.timeout(timeout):
            msg = await ws.receive()
    except TimeoutError:
        await _refuse(ws, ErrorCode.NOT_AUTHENTICATED, "no HELLO in time", CloseCode.HANDSHAKE_TIMEOUT)
        return None
    if msg.type != WSMsgType.BINARY:
        if msg.type in (WSMsgType.TEXT,):
            await _refuse(ws, ErrorCode.MALFORMED, "messages are binary MessagePack", CloseCode.PROTOCOL_ERROR)
        return None
    try:
        hello = conn.receive(msg.data)
    except ProtocolError as exc:
        await _refuse(ws, exc.code, exc.message, CloseCode.PROTOCOL_ERROR, exc.ref)
        return None
    return hello


async def _welcome(
    services: Services,
    ws: web.WebSocketResponse,
    conn: ServerConnection,
    session: Session,
    hello: Hello,
    peer: str | None,
) -> None:
    try:
        version = negotiate(hello.versions)
    except ProtocolError as exc:
        await _refuse(ws, exc.code, exc.message, CloseCode.VERSION_UNSUPPORTED, exc.ref)
        return
    try:
        identity, sid = services.tokens.verify(hello.token)
    except TokenError as exc:
        event(log, "auth_refused", reason=exc.code, peer=peer)
        code = ErrorCode.TOKEN_EXPIRED if exc.code == "token_expired" else ErrorCode.TOKEN_INVALID
        await _refuse(ws, code, exc.reason, CloseCode.UNAUTHORIZED)
        return
    session.sid = sid
    place = await services.load_place(identity)
    try:
        a = services.world.attach(identity, session, hello.resume, place)
    except Refused as refused:
        await _refuse(ws, refused.code, refused.message, CloseCode.REMOVED)
        return
    welcome = Welcome(
        version,
        a.record(),
        a.room.id,
        a.resume_token,
        services.world_hash,
        services.settings.tick_hz,
        services.limits,
    )
    await ws.send_bytes(conn.accept(welcome))
    await services.claim(identity.user_id)


async def _serve(
    services: Services, ws: web.WebSocketResponse, conn: ServerConnection, session: Session, peer: str | None
) -> None:
    world = services.world
    errors = 0
    async for msg in ws:
        if msg.type != WSMsgType.BINARY:
            if msg.type == WSMsgType.TEXT:
                session.error(ErrorCode.MALFORMED, "messages are binary MessagePack")
                errors += 1
            elif msg.type == WSMsgType.ERROR:
                event(log, "ws_error", level=logging.WARNING, peer=peer, error=str(ws.exception()))
                break
            continue
        world.messages_in += 1
        world.bytes_in += len(msg.data)
        if not session.flood.take():
            event(log, "flood", level=logging.WARNING, peer=peer, sid_user=_user(session))
            session.close_later(CloseCode.FLOOD, "too many messages")
            break
        try:
            decoded = conn.receive(msg.data)
        except ProtocolError as exc:
            errors += 1
            event(
                log,
                "bad_message",
                level=logging.WARNING,
                code=exc.code.name,
                why=exc.message,
                user=_user(session),
            )
            session.error(exc.code, exc.message, exc.ref)
            if errors >= MALFORMED_BEFORE_CLOSE:
                session.close_later(CloseCode.PROTOCOL_ERROR, "too many malformed messages")
                break
            continue
        a = session.avatar
        if a is None:
            break
        if isinstance(decoded, Ping):  # answered at once, not at the next tick: it measures the round trip
            if session.writable():
                session.queue(encode(Pong(decoded.nonce, int(time.time() * 1000))))
            continue
        if isinstance(decoded, Bye):
            session.closing = (int(CloseCode.NORMAL), "bye")
            await ws.close(code=CloseCode.NORMAL, message=b"bye")
            break
        try:
            world.handle(a, decoded)
        except Exception:  # a bug must not take other clients down; the client gets a coded error
            log.exception("handler failed", extra={"user": _user(session)})
            session.error(ErrorCode.INTERNAL, "internal error", decoded.__protocol__.code)
    if session.closing is not None and not ws.closed:
        await ws.close(code=session.closing[0], message=session.closing[1].encode()[:120])
    if ws.close_code == CloseCode.MESSAGE_TOO_BIG:
        event(log, "frame_too_large", level=logging.WARNING, user=_user(session))


async def _refuse(
    ws: web.WebSocketResponse, code: ErrorCode, message: str, close: CloseCode, ref: int | None = None
) -> None:
    event(log, "refused", level=logging.WARNING, code=code.name, why=message)
    try:
        await ws.send_bytes(encode(Error(int(code), message[:200], ref)))
        await ws.close(code=int(close), message=message.encode()[:120])
    except (ConnectionError, RuntimeError):
        pass


def _user(session: Session) -> str | None:
    return session.avatar.identity.user_id if session.avatar else None


__all__ = ["websocket"]
