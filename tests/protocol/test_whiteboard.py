"""Whiteboard messages: codes 32..63, round trips, compact points, clear errors on bad input."""

from __future__ import annotations

import msgpack
import pytest

from cybercollege.protocol import Direction, ErrorCode, ProtocolError, decode, encode, encode_frame
from cybercollege.protocol import whiteboard as W
from cybercollege.protocol.messages import TO_CLIENT, TO_SERVER

ITEM = W.BoardItem(7, 0, W.Kind.STROKE, W.Tool.PEN, 0x1F4E79, 30, [0, 0, 5000, 3333, 10000, 0])

MESSAGES = [
    (W.StrokeBegin("tableau-103", 1, 0, W.Tool.HIGHLIGHTER, 0xFFFF00, 200, [10, 20]), Direction.TO_SERVER),
    (W.StrokePoints("tableau-103", 1, [11, 21, 12, 22]), Direction.TO_SERVER),
    (W.StrokeEnd("tableau-103", 1), Direction.TO_SERVER),
    (
        W.DrawShape("tableau-103", 2, 1, W.Shape.ELLIPSE, 0xFF0000, 20, [100, 100, 900, 600]),
        Direction.TO_SERVER,
    ),
    (W.WriteText("tableau-103", 3, 0, 0, 250, 400, 300, "Le présent simple"), Direction.TO_SERVER),
    (W.Undo("tableau-103", 4), Direction.TO_SERVER),
    (W.Redo("tableau-103", 5), Direction.TO_SERVER),
    (W.ClearPage("tableau-103", 6, 0), Direction.TO_SERVER),
    (W.ShowPage("tableau-103", 7, 1), Direction.TO_SERVER),
    (W.GivePen("tableau-103", 42, True), Direction.TO_SERVER),
    (W.Board("tableau-103", 12, 3333, 2, 1, [42], 1), Direction.TO_CLIENT),
    (W.BoardItems("tableau-103", [ITEM]), Direction.TO_CLIENT),
    (W.BoardHide("tableau-103", [7, 8]), Direction.TO_CLIENT),
    (W.LiveStroke("tableau-103", 3, 42, 0, 0, 0, 30, [1, 2, 3, 4]), Direction.TO_CLIENT),
    (W.LivePoints("tableau-103", 3, [5, 6]), Direction.TO_CLIENT),
    (W.LiveEnd("tableau-103", 3, 13), Direction.TO_CLIENT),
    (W.PageShown("tableau-103", 2, 1), Direction.TO_CLIENT),
    (W.Pens("tableau-103", [42, 43]), Direction.TO_CLIENT),
    (W.BoardAck("tableau-103", 1, 13), Direction.TO_CLIENT),
]


@pytest.mark.parametrize(("msg", "direction"), MESSAGES)
def test_round_trip(msg: object, direction: Direction) -> None:
    assert decode(encode(msg), direction) == msg


def test_whiteboard_type_codes_are_32_to_63() -> None:
    codes = [c for table in (TO_SERVER, TO_CLIENT) for c, s in table.items() if s.cls.__module__ == W.__name__]
    assert len(codes) == len(MESSAGES) and all(32 <= c <= 63 for c in codes)


def test_events_ride_in_frames() -> None:
    frame = decode(encode_frame(9, [encode(W.LivePoints("tableau-103", 3, [5, 6]))], []), Direction.TO_CLIENT)
    assert frame.events == [W.LivePoints("tableau-103", 3, [5, 6])]


def test_points_are_compact() -> None:
    """A 60-point stroke segment costs about 6 bytes a point."""
    points = [5000 + i for i in range(120)]
    assert len(encode(W.StrokePoints("tableau-103", 1, points))) < 60 * 6 + 20


@pytest.mark.parametrize(
    ("points", "why"),
    [
        ([], "1..256 points"),
        ([1, 2, 3], "x, y pairs"),
        ([1, 10_001], "within 0..10000"),
        ([1, -1], "within 0..10000"),
        ([1, 2.5], "integers"),
        ([1, True], "integers"),
        ("1,2", "must be an array"),
        (list(range(2 * 257)), "1..256 points"),
    ],
)
def test_bad_points_are_refused_with_invalid_field(points: object, why: str) -> None:
    data = msgpack.packb([33, "tableau-103", 1, points])
    with pytest.raises(ProtocolError) as error:
        decode(data, Direction.TO_SERVER)
    assert error.value.code is ErrorCode.INVALID_FIELD and error.value.ref == 33
    assert why in error.value.message and "StrokePoints.points" in error.value.message


def test_text_is_limited_and_printable() -> None:
    too_long = msgpack.packb([36, "tableau-103", 1, 0, 0, 100, 0, 0, "x" * (W.MAX_TEXT_CHARS + 1)])
    control = msgpack.packb([36, "tableau-103", 1, 0, 0, 100, 0, 0, "a\x07b"])
    for data in (too_long, control):
        with pytest.raises(ProtocolError) as error:
            decode(data, Direction.TO_SERVER)
        assert error.value.code is ErrorCode.INVALID_FIELD


def test_colour_and_width_ranges() -> None:
    with pytest.raises(ProtocolError, match="colour"):
        decode(msgpack.packb([32, "b", 1, 0, 0, 0x1000000, 30, [1, 1]]), Direction.TO_SERVER)
    with pytest.raises(ProtocolError, match="width"):
        decode(msgpack.packb([32, "b", 1, 0, 0, 0, 0, [1, 1]]), Direction.TO_SERVER)


def test_one_error_code_table_in_which_every_code_is_unique() -> None:
    assert len({e.value for e in ErrorCode}) == len(ErrorCode.__members__)
    assert {100, 110, 144, 148} <= {e.value for e in ErrorCode}  # the whiteboard's and the classroom tools' codes
