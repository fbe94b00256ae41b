"""Encoding, decoding and validation of every message; the decoder's only error is ProtocolError."""

from __future__ import annotations

import contextlib

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybercollege.protocol import Direction, ErrorCode, ProtocolError, decode, encode, encode_frame, encode_update
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import (
    TO_CLIENT,
    TO_SERVER,
    Appear,
    Avatar,
    Chat,
    Frame,
    Hello,
    Member,
    Move,
    Presence,
    Say,
    Update,
    Welcome,
    Whisper,
)

AVATAR = Avatar(7, "Léa M.", "pupil", 1200, -340, 16384, 1)


@pytest.mark.parametrize(
    ("msg", "direction"),
    [
        (Hello([1], "tok", "test", None), Direction.TO_SERVER),
        (Hello([1, 2], "tok", "test", "resume-1"), Direction.TO_SERVER),
        (Move(1, -100, 250, 65535, 1), Direction.TO_SERVER),
        (Say("Bonjour à tous"), Direction.TO_SERVER),
        (Whisper(3, "salut"), Direction.TO_SERVER),
        (Welcome(1, AVATAR, "hall", "abc_DEF-1", "f" * 64, 20, {"move_rate": 30}), Direction.TO_CLIENT),
        (Appear(AVATAR), Direction.TO_CLIENT),
        (Presence([Member(1, "Hugo M.", "pupil")], [4, 5]), Direction.TO_CLIENT),
        (Chat(1, "Hugo M.", False, "ça va ?", 1_700_000_000_000), Direction.TO_CLIENT),
    ],
)
def test_round_trip(msg: object, direction: Direction) -> None:
    assert decode(encode(msg), direction) == msg


def test_frame_fast_path_matches_declared_frame() -> None:
    events = [encode(Chat(1, "Hugo M.", False, "salut", 5)), encode(Appear(AVATAR))]
    updates = [encode_update(7, 1, 2, 3, 0), encode_update(8, -4, 5, 6, 3)]
    frame = decode(encode_frame(42, events, updates), Direction.TO_CLIENT)
    assert frame == Frame(
        42,
        [Chat(1, "Hugo M.", False, "salut", 5), Appear(AVATAR)],
        [Update(7, 1, 2, 3, 0), Update(8, -4, 5, 6, 3)],
    )


def test_position_update_is_at_most_25_bytes() -> None:
    worst = encode_update(L.U32_MAX, L.COORD_MIN, L.COORD_MAX, L.HEADING_STEPS - 1, 255)
    assert len(worst) <= 25
    typical = encode_update(120, 4512, -1830, 40000, 1)
    assert len(typical) <= 14


def test_optional_trailing_fields_may_be_left_out() -> None:
    data = msgpack.packb([1, [1], "tok"])
    assert decode(data, Direction.TO_SERVER) == Hello([1], "tok", "", None)


def test_extra_trailing_fields_are_ignored() -> None:
    data = msgpack.packb([3, 1, 0, 0, 0, 0, "future field"])
    assert decode(data, Direction.TO_SERVER) == Move(1, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        (b"\xc1", ErrorCode.MALFORMED, "MessagePack"),
        (msgpack.packb({"t": 3}), ErrorCode.MALFORMED, "array"),
        (msgpack.packb([]), ErrorCode.MALFORMED, "array"),
        (msgpack.packb(["move"]), ErrorCode.MALFORMED, "integer type code"),
        (msgpack.packb([99]), ErrorCode.UNKNOWN_TYPE, "99"),
        (msgpack.packb([3, 1, 0]), ErrorCode.INVALID_FIELD, "missing 'y'"),
        (msgpack.packb([3, 1, "x", 0, 0, 0]), ErrorCode.INVALID_FIELD, "Move.x: expected an integer"),
        (msgpack.packb([3, 1, 0.5, 0, 0, 0]), ErrorCode.INVALID_FIELD, "got float"),
        (msgpack.packb([3, 1, 10**7, 0, 0, 0]), ErrorCode.INVALID_FIELD, "outside"),
        (msgpack.packb([3, 1, 0, 0, 70000, 0]), ErrorCode.INVALID_FIELD, "Move.heading"),
        (msgpack.packb([3, True, 0, 0, 0, 0]), ErrorCode.INVALID_FIELD, "Move.seq"),
        (msgpack.packb([5, "x" * 501]), ErrorCode.INVALID_FIELD, "Say.text: length 501"),
        (msgpack.packb([5, ""]), ErrorCode.INVALID_FIELD, "Say.text: length 0"),
        (msgpack.packb([5, "bonjour\x07"]), ErrorCode.INVALID_FIELD, "control"),
        (msgpack.packb([4, "porte 1"]), ErrorCode.INVALID_FIELD, "UseDoor.door"),
        (msgpack.packb([1, [1] * 9, "t"]), ErrorCode.INVALID_FIELD, "at most 8"),
        (msgpack.packb([1, [1], b"bytes"]), ErrorCode.INVALID_FIELD, "binary"),
        (b"\x00" * (L.MAX_FRAME_BYTES + 1), ErrorCode.FRAME_TOO_LARGE, "at most"),
        (msgpack.packb([2, 1]), ErrorCode.UNKNOWN_TYPE, "2"),  # WELCOME is not for the server
    ],
)
def test_bad_input_gets_a_specific_error(raw: bytes, code: ErrorCode, fragment: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(raw, Direction.TO_SERVER)
    assert info.value.code is code
    assert fragment in info.value.message


def test_error_names_the_offending_message_type() -> None:
    with pytest.raises(ProtocolError) as info:
        decode(msgpack.packb([3, 1, "x", 0, 0, 0]), Direction.TO_SERVER)
    assert info.value.ref == 3


def test_text_frames_are_refused() -> None:
    with pytest.raises(ProtocolError) as info:
        decode("[3]", Direction.TO_SERVER)  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.MALFORMED


def test_type_codes_are_unique_across_directions() -> None:
    assert not set(TO_SERVER) & set(TO_CLIENT)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    for direction in Direction:
        with contextlib.suppress(ProtocolError):
            decode(data, direction)


msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(st.integers(0, 30), st.lists(msgpack_values, max_size=8))
def test_fuzz_well_formed_msgpack_with_wrong_shapes(code: int, fields: list) -> None:
    data = msgpack.packb([code, *fields])
    for direction in Direction:
        with contextlib.suppress(ProtocolError):
            decode(data, direction)
