"""The connection state machines, sans I/O: a server and a client talk by handing bytes to each other.

Time is a number passed in: deadlines are checked by calling ``timeout(now)``, nothing sleeps.
"""

from __future__ import annotations

import msgpack
import pytest

from cybercollege.protocol import CloseCode, Direction, ErrorCode, ProtocolError, decode, encode
from cybercollege.protocol import limits as L
from cybercollege.protocol.connection import (
    Bucket,
    ClientConnection,
    Close,
    Event,
    Received,
    Send,
    ServerConnection,
    State,
    negotiate,
)
from cybercollege.protocol.messages import Avatar, Bye, Error, Hello, Move, Ping, Pong, Welcome
from cybercollege.protocol.quantize import from_cm, heading_from_wire, heading_to_wire, to_cm

T0 = 1000.0


def welcome(version: int = 1, resume: str = "r1") -> Welcome:
    return Welcome(version, Avatar(1, "Léa M.", "pupil", 0, 0, 0, 0), "hall", resume, "h", 20, {})


def errors(events: list[Event]) -> list[int]:
    return [ev.error.code for ev in events if isinstance(ev, Send) and ev.error is not None]


def closes(events: list[Event]) -> list[int]:
    return [ev.code for ev in events if isinstance(ev, Close)]


def deliver(events: list[Event], to: ServerConnection | ClientConnection, now: float = T0) -> list[Event]:
    """Hand every Send of ``events`` to the other side; what it answers."""
    out: list[Event] = []
    for ev in events:
        if isinstance(ev, Send):
            out += to.receive(ev.data, now)
    return out


def opened(**options: float) -> tuple[ServerConnection, ClientConnection]:
    server, client = ServerConnection(T0, **options), ClientConnection()  # type: ignore[arg-type]
    (hello,) = server.receive(client.hello("token", now=T0), T0)
    assert isinstance(hello, Received)
    deliver(server.accept(welcome()), client)
    return server, client


# --- handshake ----------------------------------------------------------------------------------------


def test_handshake_opens_both_sides() -> None:
    server, client = ServerConnection(T0), ClientConnection()
    assert server.state is State.CONNECTING and client.state is State.CONNECTING
    events = server.receive(client.hello("token", resume="r0", now=T0), T0)
    assert events == [Received(Hello([1], "token", "cybercollege", "r0"))]
    assert server.version == 1 and server.deadline is None and server.state is State.CONNECTING
    got = deliver(server.accept(welcome(resume="r2")), client)
    assert got == [Received(welcome(resume="r2"))]
    assert server.state is State.OPEN and client.state is State.OPEN
    assert client.welcome == welcome(resume="r2") and client.resume == "r2" and client.deadline is None
    assert server.receive(client.send(Move(1, 2, 3, 4, 0)), T0) == [Received(Move(1, 2, 3, 4, 0))]


@pytest.mark.parametrize(
    ("first", "code"),
    [
        (encode(Move(1, 0, 0, 0, 0)), ErrorCode.NOT_AUTHENTICATED),
        (b"\xc1", ErrorCode.MALFORMED),
        ("text", ErrorCode.MALFORMED),
        (msgpack.packb([1, "not a list", "t"]), ErrorCode.INVALID_FIELD),
    ],
)
def test_first_message_must_be_a_valid_hello(first: bytes | str, code: ErrorCode) -> None:
    server = ServerConnection(T0)
    events = server.receive(first, T0)
    assert errors(events) == [code] and closes(events) == [CloseCode.PROTOCOL_ERROR]
    assert server.state is State.CLOSING
    assert server.receive(encode(Hello([1], "t")), T0) == []  # nothing more is read


def test_no_common_version_closes_4002() -> None:
    server = ServerConnection(T0)
    events = server.receive(encode(Hello([7, 8], "t")), T0)
    assert errors(events) == [ErrorCode.VERSION_UNSUPPORTED] and closes(events) == [CloseCode.VERSION_UNSUPPORTED]


def test_version_negotiation_picks_the_highest_common() -> None:
    assert negotiate([1, 2, 3], (1, 2)) == 2
    with pytest.raises(ProtocolError) as info:
        negotiate([7, 8], (1,))
    assert info.value.code is ErrorCode.VERSION_UNSUPPORTED


def test_handshake_deadline() -> None:
    server = ServerConnection(T0, handshake_timeout=10.0)
    assert server.deadline == T0 + 10.0
    assert server.timeout(T0 + 9.9) == []
    events = server.timeout(T0 + 10.0)
    assert errors(events) == [ErrorCode.NOT_AUTHENTICATED] and closes(events) == [CloseCode.HANDSHAKE_TIMEOUT]
    assert server.state is State.CLOSING and server.deadline is None


def test_hello_in_time_lifts_the_deadline() -> None:
    server = ServerConnection(T0, handshake_timeout=1.0)
    server.receive(encode(Hello([1], "t")), T0 + 0.5)
    assert server.timeout(T0 + 100) == []


def test_refused_handshake_sends_the_error_then_closes() -> None:
    server, client = ServerConnection(T0), ClientConnection()
    server.receive(client.hello("bad", now=T0), T0)
    events = server.refuse(ErrorCode.TOKEN_INVALID, "jeton invalide", CloseCode.UNAUTHORIZED)
    assert closes(events) == [CloseCode.UNAUTHORIZED]
    got = deliver(events, client)
    assert client.state is State.CLOSING and client.refusal == Error(ErrorCode.TOKEN_INVALID, "jeton invalide")
    assert got == [Received(client.refusal)]
    client.closed(CloseCode.UNAUTHORIZED)
    assert client.state is State.CLOSED and client.close_code == CloseCode.UNAUTHORIZED


def test_accept_needs_a_hello() -> None:
    with pytest.raises(ProtocolError):
        ServerConnection(T0).accept(welcome())


def test_client_deadline_for_welcome() -> None:
    client = ClientConnection(handshake_timeout=5.0)
    client.hello("t", now=T0)
    assert client.deadline == T0 + 5.0 and client.timeout(T0 + 4) == []
    assert closes(client.timeout(T0 + 5)) == [CloseCode.NORMAL]
    assert client.state is State.CLOSING and client.refusal is not None


def test_client_refuses_a_version_it_does_not_speak() -> None:
    client = ClientConnection(versions=(1,))
    client.hello("t", now=T0)
    events = client.receive(encode(welcome(version=2)), T0)
    assert closes(events) and client.refusal is not None and client.refusal.code == ErrorCode.VERSION_UNSUPPORTED
    assert client.welcome is None


def test_client_expects_welcome_first() -> None:
    client = ClientConnection()
    client.hello("t", now=T0)
    assert closes(client.receive(encode(Pong(1, 2)), T0))
    assert client.refusal is not None and client.refusal.code == ErrorCode.UNEXPECTED_MESSAGE


def test_client_cannot_send_before_welcome() -> None:
    with pytest.raises(ProtocolError):
        ClientConnection().send(Move(1, 0, 0, 0, 0))


# --- open ---------------------------------------------------------------------------------------------


def test_ping_is_answered_at_once_and_measured() -> None:
    server = ServerConnection(T0, wall_ms=lambda: 1234)
    client = ClientConnection()
    server.receive(client.hello("t", now=T0), T0)
    deliver(server.accept(welcome()), client)
    answer = server.receive(client.ping(7, T0), T0)
    assert answer == [Send(encode(Pong(7, 1234)))]
    assert deliver(answer, client, now=T0 + 0.25) == [Received(Pong(7, 1234))]
    assert client.rtt == 0.25


def test_bye_closes_1000_and_the_avatar_leaves() -> None:
    server, client = opened()
    events = client.bye()
    assert events[0] == Send(encode(Bye())) and closes(events) == [CloseCode.NORMAL]
    assert client.state is State.CLOSING
    assert closes(deliver(events, server)) == [CloseCode.NORMAL]
    assert server.leaving and server.state is State.CLOSING
    server.closed(CloseCode.NORMAL)
    assert server.state is State.CLOSED and server.close_code == CloseCode.NORMAL


def test_dropped_connection_is_not_leaving() -> None:
    server, _ = opened()
    server.closed(1006)
    assert server.state is State.CLOSED and not server.leaving and server.close_code == 1006


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xc1", ErrorCode.MALFORMED),
        ("text", ErrorCode.MALFORMED),
        (msgpack.packb([99, 1]), ErrorCode.UNKNOWN_TYPE),
        (msgpack.packb([3, 1, "x", 0, 0, 0]), ErrorCode.INVALID_FIELD),
        (encode(Hello([1], "again")), ErrorCode.UNEXPECTED_MESSAGE),
    ],
)
def test_a_refused_message_gets_an_error_and_the_connection_stays_open(payload: bytes | str, code: int) -> None:
    server, _ = opened()
    events = server.receive(payload, T0)
    assert errors(events) == [code] and closes(events) == [] and server.state is State.OPEN
    assert server.malformed == 1


def test_the_last_allowed_malformed_message_gets_its_error_then_the_close() -> None:
    server, _ = opened()
    for i in range(1, L.MALFORMED_BEFORE_CLOSE):
        assert closes(server.receive(b"\xc1", T0 + i)) == []
    last = server.receive(b"\xc1", T0 + 100)
    assert errors(last) == [ErrorCode.MALFORMED]  # the 20th ERROR comes first
    assert isinstance(last[-1], Close) and last[-1].code == CloseCode.PROTOCOL_ERROR
    assert server.receive(b"\xc1", T0 + 101) == []  # nothing after the close


def test_flood_closes_4009_without_decoding() -> None:
    server, client = opened(flood_rate=10.0)
    ping = client.ping(1, T0)
    for _ in range(10):  # the burst
        assert closes(server.receive(ping, T0)) == []
    assert closes(server.receive(ping, T0)) == [CloseCode.FLOOD]
    assert server.state is State.CLOSING


def test_flood_allowance_refills_with_time() -> None:
    server, client = opened(flood_rate=10.0)
    ping = client.ping(1, T0)
    for i in range(100):  # 10 per second for 10 s: never a flood
        assert closes(server.receive(ping, T0 + i * 0.1)) == []


def test_closing_twice_closes_once() -> None:
    server, _ = opened()
    assert closes(server.close(CloseCode.REPLACED, "remplacée")) == [CloseCode.REPLACED]
    assert server.close(CloseCode.NORMAL, "again") == []
    server.closed(1006)
    assert server.close_code == CloseCode.REPLACED


def test_client_ignores_undecodable_server_messages() -> None:
    _, client = opened()
    assert client.receive(b"\xc1", T0) == [] and client.invalid == 1 and client.state is State.OPEN


def test_messages_after_closed_are_dropped() -> None:
    server, client = opened()
    client.closed(1006)
    assert client.receive(encode(Pong(1, 1)), T0) == []
    assert decode(server.receive(client.hello("t"), T0)[0].data, Direction.TO_CLIENT).code == (  # type: ignore[union-attr]
        ErrorCode.UNEXPECTED_MESSAGE
    )


def test_bucket() -> None:
    bucket = Bucket(2.0, 2.0, T0)
    assert bucket.take(T0) and bucket.take(T0) and not bucket.take(T0)
    assert bucket.take(T0 + 0.5)


def test_quantisation() -> None:
    assert to_cm(12.345) in (1234, 1235)
    assert from_cm(to_cm(-3.5)) == -3.5
    assert heading_to_wire(360.0) == 0
    assert abs(heading_from_wire(heading_to_wire(90.0)) - 90.0) < 0.01


def test_ping_needs_an_open_connection() -> None:
    with pytest.raises(ProtocolError):
        ClientConnection().ping(1, T0)
    assert Ping(1) == decode(encode(Ping(1)), Direction.TO_SERVER)
