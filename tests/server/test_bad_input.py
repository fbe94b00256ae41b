"""Bad input: each gets a specific coded error (or a documented close code) and never hurts anyone else."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import msgpack
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import ConnectionRefused, WorldConnection
from cybercollege.protocol import CloseCode, Direction, ErrorCode, decode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Error, Frame, Hello, Move, Ping, Welcome
from cybercollege.protocol.quantize import to_cm
from cybercollege.server.auth import tokens
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


async def welcomed(connect: Connect) -> WorldConnection:
    """Léa, connected with the client library; her raw socket (``conn.ws``) sends the bad input."""
    return await connect("lea.martin")


def sent_alone(conn: WorldConnection) -> list[Error]:
    """Records the ERRORs that arrive as messages of their own (not inside a FRAME)."""
    alone: list[Error] = []
    in_frames: set[int] = set()

    def listen(msg: object) -> None:
        if isinstance(msg, Frame):
            in_frames.update(id(e) for e in msg.events)
            alone[:] = [e for e in alone if id(e) not in in_frames]
        elif isinstance(msg, Error):
            alone.append(msg)

    conn.mirror.listeners.append(listen)
    return alone


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


@pytest.mark.parametrize("ahead", [3600, tokens.CLOCK_SKEW_S + 5])
async def test_a_token_from_the_future_is_refused(
    server: TestServer, http: aiohttp.ClientSession, services: Services, monkeypatch: pytest.MonkeyPatch, ahead: int
) -> None:
    """Signed with the right secret but issued in the future (a forged clock, a misissued token): refused."""
    now = time.time()
    monkeypatch.setattr(tokens.time, "time", lambda: now + ahead)
    early = services.tokens.issue(LEA)
    monkeypatch.undo()
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], early)))
    error, close = await read_error_and_close(ws)
    assert (error.code, close) == (ErrorCode.TOKEN_INVALID, CloseCode.UNAUTHORIZED)


def test_a_token_issued_within_the_clock_skew_is_accepted(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    now = time.time()
    monkeypatch.setattr(tokens.time, "time", lambda: now + tokens.CLOCK_SKEW_S - 5)  # another process, its clock ahead
    token = services.tokens.issue(LEA)
    monkeypatch.undo()
    assert services.tokens.verify(token)[0].user_id == LEA.user_id


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
        ("a text frame", ErrorCode.MALFORMED),
    ],
)
async def test_bad_message_after_handshake(connect: Connect, payload: object, code: ErrorCode) -> None:
    lea = await welcomed(connect)
    alone = sent_alone(lea)
    assert lea.ws is not None
    if isinstance(payload, str):
        await lea.ws.send_str(payload)
    else:
        await lea.ws.send_bytes(payload)  # type: ignore[arg-type]
    await lea.wait_for(lambda m: m.errors)
    assert [e.code for e in lea.mirror.errors] == [code] and "Traceback" not in lea.mirror.errors[0].message
    assert alone == lea.mirror.errors  # a refused message's ERROR comes on its own, at once
    await answered(lea)  # still served
    assert not lea.closed


async def test_refusals_of_the_world_arrive_inside_frames(connect: Connect) -> None:
    lea = await welcomed(connect)
    alone = sent_alone(lea)
    await lea.use_door("porte-103")  # decodable, refused by the world
    await lea.wait_for(lambda m: m.errors)
    assert lea.mirror.errors[0].code == ErrorCode.UNKNOWN_DOOR and alone == []


async def test_a_message_of_64_kib_is_read_one_byte_more_closes_1009(connect: Connect) -> None:
    lea = await welcomed(connect)
    assert lea.ws is not None
    await lea.ws.send_bytes(_say_of(L.MAX_FRAME_BYTES))  # read and checked: its text is too long
    await lea.wait_for(lambda m: m.errors)
    assert lea.mirror.errors[0].code == ErrorCode.INVALID_FIELD
    await answered(lea)
    await lea.ws.send_bytes(_say_of(L.MAX_FRAME_BYTES + 1))
    assert await lea.wait_closed() == CloseCode.MESSAGE_TOO_BIG


def _say_of(size: int) -> bytes:
    """A SAY of exactly ``size`` bytes (its text far too long)."""
    for n in range(size - 8, size):
        if len(data := msgpack.packb([5, "x" * n])) == size:
            return data
    raise AssertionError(size)


async def test_flood_closes_with_4009_and_others_are_unaffected(connect: Connect) -> None:
    hugo = await connect("hugo.moreau")
    flooder = await welcomed(connect)
    assert flooder.ws is not None
    for i in range(400):
        await flooder.ws.send_bytes(encode(Ping(i)))
        if i == 200:  # mid-flood, Hugo asks too
            hugo_nonce = 7_000_000
            await hugo.send(Ping(hugo_nonce))
    assert await flooder.wait_closed() == CloseCode.FLOOD
    await hugo.wait_for(lambda m: any(p.nonce == hugo_nonce for p in m.pongs))  # his ping of mid-flood answered
    await answered(hugo)  # and he is still served once the flooder is gone
    assert not hugo.closed


@pytest.mark.parametrize("burst", [L.MALFORMED_BEFORE_CLOSE, 25])
async def test_the_last_malformed_message_gets_its_error_before_the_close(connect: Connect, burst: int) -> None:
    lea = await welcomed(connect)
    assert lea.ws is not None
    for _ in range(burst):
        await lea.ws.send_bytes(b"\xc1")
    assert await lea.wait_closed() == CloseCode.PROTOCOL_ERROR
    assert [e.code for e in lea.mirror.errors] == [ErrorCode.MALFORMED] * L.MALFORMED_BEFORE_CLOSE


async def test_text_frames_count_as_malformed_and_toward_the_flood(connect: Connect) -> None:
    """Text frames are no way around the limits: each is a MALFORMED error, the 20th closes (4000), and a
    stream of them is a flood (4009) like any other message."""
    lea = await welcomed(connect)
    assert lea.ws is not None
    for _ in range(L.MALFORMED_BEFORE_CLOSE):
        await lea.ws.send_str("bonjour")
    assert await lea.wait_closed() == CloseCode.PROTOCOL_ERROR
    assert [e.code for e in lea.mirror.errors] == [ErrorCode.MALFORMED] * L.MALFORMED_BEFORE_CLOSE
    hugo = await connect("hugo.moreau")
    assert hugo.ws is not None
    for i in range(400):  # valid messages mixed with text frames: all of them count toward the flood
        await (hugo.ws.send_str("x") if i % 25 == 0 else hugo.ws.send_bytes(encode(Ping(i))))
    assert await hugo.wait_closed() == CloseCode.FLOOD


async def test_one_malformed_message_less_keeps_the_connection(connect: Connect) -> None:
    lea = await welcomed(connect)
    assert lea.ws is not None
    for _ in range(L.MALFORMED_BEFORE_CLOSE - 1):
        await lea.ws.send_bytes(b"\xc1")
    await answered(lea)  # its PONG comes after the 19 ERRORs
    assert len(lea.mirror.errors) == L.MALFORMED_BEFORE_CLOSE - 1 and not lea.closed


async def test_move_rate_limit(connect: Connect, services: Services) -> None:
    lea = await welcomed(connect)
    assert lea.ws is not None
    x, y, _ = lea.mirror.position
    for i in range(int(services.settings.move_rate) * 2):  # twice the burst, at once
        await lea.ws.send_bytes(encode(Move(i + 1, to_cm(x), to_cm(y), 0, 0)))
    await lea.wait_for(lambda m: m.errors)
    assert (lea.mirror.errors[0].code, lea.mirror.errors[0].ref) == (ErrorCode.RATE_LIMITED, 3)


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


async def test_bad_client_does_not_slow_the_tick(connect: Connect, services: Services) -> None:
    hugo = await connect("hugo.moreau")
    bad = await welcomed(connect)
    assert bad.ws is not None
    for _ in range(15):
        await bad.ws.send_bytes(b"\xc1\x00garbage")
        await bad.ws.send_bytes(msgpack.packb([3, "a", [], {}, None, 1.5]))
    await bad.ws.send_bytes(encode(Ping(99)))  # its answer, or the close, comes once all the garbage is handled
    await bad.wait_for(lambda m: any(p.nonce == 99 for p in m.pongs) or bad.closed, HANG)
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


async def test_a_bad_token_is_refused_through_the_client_library(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    conn = WorldConnection(http, str(server.make_url("")), "x" * 10)
    with pytest.raises(ConnectionRefused) as info:
        await conn.connect()
    assert (info.value.code, info.value.close_code) == (ErrorCode.TOKEN_INVALID, CloseCode.UNAUTHORIZED)


async def test_reconnecting_in_a_loop_is_refused_before_any_work(
    server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    """A user may open 5 connections at once, then 6 a minute: a client reconnecting in a loop (to send garbage
    again) is refused right after its token is checked, before her place is loaded or an avatar placed, while
    another pupil still gets in."""
    from cybercollege.server.core.ratelimit import CONNECT_BURST

    token = services.tokens.issue(LEA)
    for _ in range(CONNECT_BURST):
        ws = await raw(server, http)
        await ws.send_bytes(encode(Hello([1], token)))
        assert isinstance(decode(await ws.receive_bytes(timeout=HANG), Direction.TO_CLIENT), Welcome)
        await ws.close()
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], token)))
    error = decode(await ws.receive_bytes(timeout=HANG), Direction.TO_CLIENT)
    assert isinstance(error, Error) and error.code == ErrorCode.RATE_LIMITED and "réessayez" in error.message
    closing = await ws.receive(HANG)  # held a moment unread, then closed: a loop cannot spin fast
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and ws.close_code == CloseCode.FLOOD
    other = Identity("demo:hugo.moreau", "Hugo M.", Role.PUPIL, "demo", "0699990Z", ("4A",))
    ws = await raw(server, http)
    await ws.send_bytes(encode(Hello([1], services.tokens.issue(other))))
    assert isinstance(decode(await ws.receive_bytes(timeout=HANG), Direction.TO_CLIENT), Welcome)
