"""The whiteboard's limits: each one answered with its own error code, nothing else disturbed."""

from __future__ import annotations

import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.whiteboard.host import BoardHost, BoardRefused
from cybercollege.server.core.identity import Role
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.whiteboard.conftest import BOARD, avatar, begin, error_codes, seat, stroke

E = ErrorCode


async def test_unknown_board_and_rate_limit(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    await seat(prof, services)
    await prof.send(W.Undo("tableau-999", 1))
    await prof.wait_for(lambda m: m.errors)
    assert error_codes(prof) == [E.UNKNOWN_BOARD] and prof.mirror.errors[0].ref == 37
    for i in range(W.BOARD_BURST + 10):  # far faster than 70 a second
        await prof.send(W.DrawShape(BOARD, i, 0, W.Shape.LINE, 0, 10, [0, 0, 10, 10]))
    await prof.wait_for(lambda m: E.BOARD_RATE_LIMITED in error_codes(prof))
    assert error_codes(prof).count(E.BOARD_RATE_LIMITED) == 1  # one error a second, not one per message
    await prof.wait_for(lambda m: len(m.boards[BOARD].items) >= W.BOARD_BURST)
    assert len(prof.mirror.boards[BOARD].items) < W.BOARD_BURST + 10
    assert not prof.closed


async def test_a_board_message_outside_a_classroom_is_unexpected(connect: Connect) -> None:
    lea = await connect("lea.martin")  # in the hall, which has no board
    await lea.send(W.Undo(BOARD, 1))
    await lea.wait_for(lambda m: m.errors)
    assert lea.mirror.errors[0].code == 10  # UNEXPECTED_MESSAGE


def refused(host: BoardHost, who: object, msg: object) -> int:
    with pytest.raises(BoardRefused) as error:
        host.handle(who, msg)  # type: ignore[arg-type]
    return error.value.code


def test_pages_must_exist(host: BoardHost) -> None:
    prof = avatar(1, Role.TEACHER)
    assert refused(host, prof, W.StrokeBegin(BOARD, 1, 1, 0, 0, 30, [1, 1])) == E.BAD_PAGE
    assert refused(host, prof, W.ClearPage(BOARD, 1, 3)) == E.BAD_PAGE
    assert refused(host, prof, W.ShowPage(BOARD, 1, 2)) == E.BAD_PAGE
    host.handle(prof, W.ShowPage(BOARD, 1, 1))  # the page after the last one: a new page
    assert host.board.pages == 2


def test_strokes_are_limited_in_points(host: BoardHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(W, "MAX_POINTS_PER_STROKE", 10)
    prof = avatar(1, Role.TEACHER)
    host.handle(prof, W.StrokeBegin(BOARD, 1, 0, 0, 0, 30, stroke(8)))
    assert refused(host, prof, W.StrokePoints(BOARD, 1, stroke(3))) == E.STROKE_TOO_LONG
    host.handle(prof, W.StrokePoints(BOARD, 1, stroke(2)))
    host.handle(prof, W.StrokeEnd(BOARD, 1))
    assert len(host.board.visible()[0].wire.points) == 20


def test_pages_and_boards_fill_up(host: BoardHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(W, "MAX_ITEMS_PER_PAGE", 3)
    monkeypatch.setattr(W, "MAX_ITEMS_PER_BOARD", 5)
    prof = avatar(1, Role.TEACHER)
    host.handle(prof, begin(1))  # a stroke being drawn counts
    for cid in (2, 3):
        host.handle(prof, W.DrawShape(BOARD, cid, 0, W.Shape.LINE, 0, 10, [0, 0, 1, 1]))
    assert refused(host, prof, W.DrawShape(BOARD, 4, 0, W.Shape.LINE, 0, 10, [0, 0, 1, 1])) == E.PAGE_FULL
    host.handle(prof, W.StrokeEnd(BOARD, 1))
    host.handle(prof, W.ShowPage(BOARD, 5, 1))
    for cid in (6, 7):
        host.handle(prof, W.WriteText(BOARD, cid, 1, 0, 100, 0, 0, "a"))
    assert refused(host, prof, W.WriteText(BOARD, 8, 1, 0, 100, 0, 0, "a")) == E.BOARD_FULL


def test_undo_redo_and_points_need_something_to_act_on(host: BoardHost) -> None:
    prof = avatar(1, Role.TEACHER)
    assert refused(host, prof, W.Undo(BOARD, 1)) == E.NOTHING_TO_UNDO
    assert refused(host, prof, W.Redo(BOARD, 1)) == E.NOTHING_TO_REDO
    assert refused(host, prof, W.StrokePoints(BOARD, 1, [1, 1])) == E.NO_STROKE
    host.handle(prof, begin(1))
    assert refused(host, prof, W.StrokeEnd(BOARD, 2)) == E.NO_STROKE


def test_a_board_still_loading_is_not_ready(host: BoardHost) -> None:
    host.loaded = False
    assert refused(host, avatar(1, Role.TEACHER), begin()) == E.BOARD_NOT_READY
