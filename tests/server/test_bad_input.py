"""Bad input: each gets a specific coded error (or a documented close code) and never hurts anyone else."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import msgpack
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.protocol import CloseCode, Direction, ErrorCode, decode, encode
from cybercollege.protocol.connection import ClientConnection
from cybercollege.protocol.messages import Error, Hello, Move, Ping, Pong, Welcome, Whisper
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.core.chat import whisper_refusal
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings
from tests.server.waits import HANG, answered, caught_up, until

LEA = Identity("demo:lea.martin", "Léa M.", Role.PUPIL, "demo", "0699990Z", ("4A",))


async def raw(server: TestServer, http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
    return await http.ws_connect(server.make_url("/ws"), compress=0)


async def read_error_and_close(ws: aiohttp.ClientWebSocketResponse) -> tuple[Error, int | None]:
    msg = await ws.receive(5)
    error = decode(msg.data, Direction.TO_CLIENT)
    assert isinstance(error, Error)
    assert "Traceback" not in error.message
    closing = await ws.receive(5)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    return error, ws.close_code


async def welcomed(
    server: TestServer, http: aiohttp.ClientSession, services: Services
) -> aiohttp.ClientWebSocketResponse:
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], services.tokens.issue(LEA))))
    assert isinstance(decode((await ws.receive(5)).data, Direction.TO_CLIENT), Welcome)
    return ws


async def next_error(ws: aiohttp.ClientWebSocketResponse) -> Error:
    """The first ERROR event in the frames that follow."""
    while True:
        msg = await ws.receive(5)
        assert msg.type == aiohttp.WSMsgType.BINARY, msg
        frame = decode(msg.data, Direction.TO_CLIENT)
        for event in frame.events:
            if isinstance(event, Error):
                assert "Traceback" not in event.message
                return event


# --- before the handshake ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("hello", ErrorCode.MALFORMED),
        (b"\xc1\xc1", ErrorCode.MALFORMED),
        (encode(Move(1, 0, 0, 0, 0)), ErrorCode.NOT_AUTHENTICATED),
        (msgpack.packb([1, "not a list", "t"]), ErrorCode.INVALID_FIELD),
    ],
)
async def test_bad_first_message(
    server: TestServer, http: aiohttp.ClientSession, payload: object, code: ErrorCode
) -> None:
    ws = await raw(server, http)
    if isinstance(payload, str):
        await ws.send_str(payload)
    else:
        await ws.send_bytes(payload)  # type: ignore[arg-type]
    error, close = await read_error_and_close(ws)
    assert error.code == code
    assert close == CloseCode.PROTOCOL_ERROR


async def test_expired_token(server: TestServer, http: aiohttp.ClientSession, services: Services) -> None:
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], services.tokens.issue(LEA, ttl_seconds=-5))))
    error, close = await read_error_and_close(ws)
    assert (error.code, close) == (ErrorCode.TOKEN_EXPIRED, CloseCode.UNAUTHORIZED)


async def test_forged_token(server: TestServer, http: aiohttp.ClientSession) -> None:
    forged = TokenService("another secret that is long enough!!").issue(LEA)
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], forged)))
    error, close = await read_error_and_close(ws)
    assert (error.code, close) == (ErrorCode.TOKEN_INVALID, CloseCode.UNAUTHORIZED)


async def test_revoked_session(server: TestServer, http: aiohttp.ClientSession, services: Services) -> None:
    token = services.tokens.issue(LEA, sid="session-1")
    services.tokens.revoke("session-1")
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], token)))
    error, _ = await read_error_and_close(ws)
    assert error.code == ErrorCode.TOKEN_INVALID


async def test_unsupported_version(server: TestServer, http: aiohttp.ClientSession, services: Services) -> None:
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([7, 8], services.tokens.issue(LEA))))
    error, close = await read_error_and_close(ws)
    assert (error.code, close) == (ErrorCode.VERSION_UNSUPPORTED, CloseCode.VERSION_UNSUPPORTED)
    assert "[7, 8]" in error.message


async def test_no_hello_in_time(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    srv = TestServer(build(make_settings(tmp_path, handshake_timeout=0.3)), host="127.0.0.1")
    await srv.start_server()
    try:
        ws = await raw(srv, http)
        error, close = await read_error_and_close(ws)
        assert (error.code, close) == (ErrorCode.NOT_AUTHENTICATED, CloseCode.HANDSHAKE_TIMEOUT)
    finally:
        await srv.close()


# --- after the handshake: an error, the connection stays usable ----------------------------------


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xc1", ErrorCode.MALFORMED),
        (msgpack.packb([99, 1]), ErrorCode.UNKNOWN_TYPE),
        (msgpack.packb([3, 1, "x", 0, 0, 0]), ErrorCode.INVALID_FIELD),
        (msgpack.packb([5, "a" * 600]), ErrorCode.INVALID_FIELD),
        (encode(Hello([1], "again")), ErrorCode.UNEXPECTED_MESSAGE),
        (encode(Whisper(999_999, "anyone?")), ErrorCode.UNKNOWN_AVATAR),
        ("a text frame", ErrorCode.MALFORMED),
    ],
)
async def test_bad_message_after_handshake(
    server: TestServer, http: aiohttp.ClientSession, services: Services, payload: object, code: ErrorCode
) -> None:
    ws = await welcomed(server, http, services)
    if isinstance(payload, str):
        await ws.send_str(payload)
    else:
        await ws.send_bytes(payload)  # type: ignore[arg-type]
    error = await next_error(ws)
    assert error.code == code
    await ws.send_bytes(encode(Ping(7)))  # still served
    assert not ws.closed


async def test_oversize_frame_closes_with_1009(
    server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    ws = await welcomed(server, http, services)
    await ws.send_bytes(msgpack.packb([5, "x" * 70_000]))
    while (await ws.receive(5)).type == aiohttp.WSMsgType.BINARY:
        pass
    assert ws.close_code == CloseCode.MESSAGE_TOO_BIG


async def test_flood_closes_with_4009_and_others_are_unaffected(
    server: TestServer, http: aiohttp.ClientSession, services: Services, connect: Connect
) -> None:
    hugo = await connect("hugo.moreau")
    ws = await welcomed(server, http, services)
    for i in range(400):
        await ws.send_bytes(encode(Ping(i)))
        if i == 200:  # mid-flood, Hugo asks too
            hugo_nonce = 7_000_000
            await hugo.send(Ping(hugo_nonce))
    while (await ws.receive(5)).type == aiohttp.WSMsgType.BINARY:
        pass
    assert ws.close_code == CloseCode.FLOOD
    await hugo.wait_for(lambda m: any(p.nonce == hugo_nonce for p in m.pongs))  # his ping of mid-flood answered
    await answered(hugo)  # and he is still served once the flooder is gone
    assert not hugo.closed


async def test_too_many_malformed_messages_close_with_4000(
    server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    ws = await welcomed(server, http, services)
    for _ in range(25):
        await ws.send_bytes(b"\xc1")
    while (await ws.receive(5)).type == aiohttp.WSMsgType.BINARY:
        pass
    assert ws.close_code == CloseCode.PROTOCOL_ERROR


async def test_move_rate_limit(server: TestServer, http: aiohttp.ClientSession, services: Services) -> None:
    ws = await welcomed(server, http, services)
    for i in range(60):
        await ws.send_bytes(encode(Move(i, 100, 100, 0, 0)))
    error = await next_error(ws)
    assert error.code == ErrorCode.RATE_LIMITED and error.ref == 3


async def test_chat_flood_control(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    for i in range(8):
        await lea.say(f"message {i}")
    await lea.wait_for(lambda m: any(e.code == ErrorCode.RATE_LIMITED for e in m.errors))
    await caught_up(hugo, services)  # what was not refused has reached Hugo by now
    assert [c.text for c in hugo.mirror.chat] == [f"message {i}" for i in range(5)]


async def test_impossible_moves_never_reach_others(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    await hugo.wait_for(lambda m: lea.mirror.me in m.avatars)
    x, y, _ = lea.mirror.position
    await lea.move(x - 200.0, y)  # far outside the building
    await lea.wait_for(lambda m: m.corrections)
    await caught_up(hugo, services)  # had the move been relayed, Hugo would have it by now
    assert abs(hugo.mirror.avatars[lea.mirror.me].x - x) < 0.01


async def test_bad_client_does_not_slow_the_tick(
    server: TestServer, http: aiohttp.ClientSession, services: Services, connect: Connect
) -> None:
    hugo = await connect("hugo.moreau")
    ws = await welcomed(server, http, services)
    for _ in range(15):
        await ws.send_bytes(b"\xc1\x00garbage")
        await ws.send_bytes(msgpack.packb([3, "a", [], {}, None, 1.5]))
    await ws.send_bytes(encode(Ping(99)))  # its answer, or the close, comes once all the garbage is handled
    while (msg := await ws.receive(HANG)).type == aiohttp.WSMsgType.BINARY:
        if isinstance(answer := decode(msg.data, Direction.TO_CLIENT), Pong) and answer.nonce == 99:
            break
    handled = services.world.tick_no
    await answered(hugo)  # Hugo is served
    await until(lambda: services.world.tick_no >= handled + 20, "20 more ticks")  # and the world goes on


def test_no_private_messages_between_pupils_and_guests() -> None:
    guest = Identity("guest:abc", "Emma", Role.GUEST, "invitation")
    teacher = Identity("demo:mme.durand", "Claire Durand", Role.TEACHER, "demo")
    assert whisper_refusal(LEA, guest) and whisper_refusal(guest, LEA)
    assert whisper_refusal(teacher, guest) is None
    assert whisper_refusal(LEA, teacher) is None


async def test_pupil_display_names_come_from_the_directory(connect: Connect) -> None:
    lea = await connect("lea.martin")
    assert lea.protocol.welcome is not None and lea.protocol.welcome.you.name == "Léa M."


async def test_unused_connection_helper_is_closed(server: TestServer, http: aiohttp.ClientSession) -> None:
    conn = ClientConnection()
    ws = await raw(server, http)
    await ws.send_bytes(conn.hello("x" * 10))
    error, close = await read_error_and_close(ws)
    assert error.code == ErrorCode.TOKEN_INVALID and close == CloseCode.UNAUTHORIZED
