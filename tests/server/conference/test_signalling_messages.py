"""The conference messages of protocol/conference.py on the wire (MessagePack arrays, codes 64..95)."""

from __future__ import annotations

import msgpack
import pytest

from cybercollege.protocol import Direction, ErrorCode, ProtocolError, decode, encode
from cybercollege.protocol.conference import (
    MAX_SDP_CHARS,
    ConfFloor,
    ConfLeft,
    ConfMute,
    ConfMuted,
    ConfPublish,
    ConfPublishAnswer,
    ConfRemove,
    ConfRole,
    ConfSubscribeAnswer,
    ConfSubscribeOffer,
    ConfTracks,
    ConfUnpublish,
    TrackInfo,
)

SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
BIG = 1 << 20

TO_SERVER = [
    ConfPublish(SDP),
    ConfSubscribeAnswer(2, SDP),
    ConfUnpublish(),
    ConfFloor(7, True),
    ConfFloor(7, True, host=True),
    ConfMute(7, "video", False),
    ConfRemove(7),
]
TO_CLIENT = [
    ConfPublishAnswer(SDP),
    ConfSubscribeOffer(1, SDP),
    ConfSubscribeOffer(4, SDP, restart=True),
    ConfRole(7, "speaker"),
    ConfTracks([TrackInfo("0", 7, "video"), TrackInfo("1", 7, "audio")]),
    ConfMuted(7, "audio", True),
    ConfLeft(7, True),
]


@pytest.mark.parametrize("msg", TO_SERVER, ids=lambda m: type(m).__name__)
def test_client_messages_round_trip(msg: object) -> None:
    data = encode(msg)
    assert 64 <= msgpack.unpackb(data)[0] <= 79
    assert decode(data, Direction.TO_SERVER, max_bytes=BIG) == msg


@pytest.mark.parametrize("msg", TO_CLIENT, ids=lambda m: type(m).__name__)
def test_server_messages_round_trip(msg: object) -> None:
    data = encode(msg)
    assert 80 <= msgpack.unpackb(data)[0] <= 95
    assert decode(data, Direction.TO_CLIENT, max_bytes=BIG) == msg


def test_wire_form_is_a_plain_array() -> None:
    assert msgpack.unpackb(encode(ConfFloor(7, True))) == [67, 7, True, False]
    assert msgpack.unpackb(encode(ConfFloor(7, False, True))) == [67, 7, False, True]
    assert msgpack.unpackb(encode(ConfTracks([TrackInfo("0", 7, "video")]))) == [82, [["0", 7, "video"]]]


def test_a_floor_without_the_host_field_is_an_ordinary_floor() -> None:
    """Clients written before guest hosts send three fields."""
    assert decode(msgpack.packb([67, 7, True]), Direction.TO_SERVER) == ConfFloor(7, True, host=False)


@pytest.mark.parametrize(
    "raw",
    [
        [64, "x" * (MAX_SDP_CHARS + 1)],
        [64, ""],
        [68, 7, "screen", True],
        [65, 0, SDP],
        [67, -1, True],
        [67, 7, True, "yes"],
    ],
)
def test_bad_fields_are_refused(raw: list[object]) -> None:
    with pytest.raises(ProtocolError) as err:
        decode(msgpack.packb(raw), Direction.TO_SERVER, max_bytes=BIG)
    assert err.value.code == ErrorCode.INVALID_FIELD and err.value.ref == raw[0]


def test_a_role_must_be_one_of_the_three() -> None:
    with pytest.raises(ProtocolError):
        decode(msgpack.packb([83, 7, "teacher"]), Direction.TO_CLIENT)
