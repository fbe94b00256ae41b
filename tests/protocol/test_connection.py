"""The handshake, sans I/O: a server and a client connection talk by handing bytes to each other."""

from __future__ import annotations

import pytest

from cybercollege.protocol import ErrorCode, ProtocolError, encode
from cybercollege.protocol.connection import ClientConnection, ServerConnection, State, negotiate
from cybercollege.protocol.messages import Avatar, Hello, Move, Welcome
from cybercollege.protocol.quantize import from_cm, heading_from_wire, heading_to_wire, to_cm


def welcome(version: int = 1) -> Welcome:
    return Welcome(version, Avatar(1, "Léa M.", "pupil", 0, 0, 0, 0), "hall", "r1", "h", 20, {})


def test_handshake_then_messages() -> None:
    server, client = ServerConnection(), ClientConnection()
    hello = server.receive(client.hello("token", resume="r0"))
    assert isinstance(hello, Hello) and hello.token == "token" and hello.resume == "r0"
    version = negotiate(hello.versions)
    got = client.receive(server.accept(welcome(version)))
    assert isinstance(got, Welcome) and client.state is State.OPEN and server.state is State.OPEN
    assert server.receive(client.send(Move(1, 2, 3, 4, 0))) == Move(1, 2, 3, 4, 0)


def test_first_message_must_be_hello() -> None:
    with pytest.raises(ProtocolError) as info:
        ServerConnection().receive(encode(Move(1, 0, 0, 0, 0)))
    assert info.value.code is ErrorCode.NOT_AUTHENTICATED


def test_second_hello_is_refused() -> None:
    server, client = ServerConnection(), ClientConnection()
    server.receive(client.hello("t"))
    server.accept(welcome())
    with pytest.raises(ProtocolError) as info:
        server.receive(client.hello("t"))
    assert info.value.code is ErrorCode.UNEXPECTED_MESSAGE


def test_version_negotiation_picks_the_highest_common() -> None:
    assert negotiate([1, 2, 3], (1, 2)) == 2
    with pytest.raises(ProtocolError) as info:
        negotiate([7, 8], (1,))
    assert info.value.code is ErrorCode.VERSION_UNSUPPORTED


def test_client_cannot_send_before_welcome() -> None:
    with pytest.raises(ProtocolError):
        ClientConnection().send(Move(1, 0, 0, 0, 0))


def test_quantisation() -> None:
    assert to_cm(12.345) == 1234 or to_cm(12.345) == 1235
    assert from_cm(to_cm(-3.5)) == -3.5
    assert heading_to_wire(360.0) == 0
    assert abs(heading_from_wire(heading_to_wire(90.0)) - 90.0) < 0.01
