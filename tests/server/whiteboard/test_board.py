"""The board's state machine: items, per-author undo/redo, clear and its undo, pages, snapshots."""

from __future__ import annotations

import pytest

from cybercollege.server.classroom.whiteboard.board import CLEAR, ITEM, PAGE, REDO, UNDO, Board, Op


def stroke(page: int = 0) -> list[object]:
    return [page, 0, 0, 0x112233, 30, [10, 10, 20, 20], ""]


class Log:
    """Applies operations with consecutive seqs, as the server does."""

    def __init__(self) -> None:
        self.board = Board("tableau", 3333)

    def __call__(self, author: str, kind: str, body: object):  # type: ignore[no-untyped-def]
        return self.board.apply(Op(self.board.seq + 1, author, kind, body))

    def shown(self) -> list[int]:
        return sorted(i.wire.seq for i in self.board.visible())


def test_items_are_shown_in_order() -> None:
    log = Log()
    change = log("prof", ITEM, stroke())
    assert [i.wire.seq for i in change.shown] == [1]
    log("lea", ITEM, stroke())
    assert log.shown() == [1, 2]


def test_undo_and_redo_are_per_author() -> None:
    log = Log()
    log("prof", ITEM, stroke())  # 1
    log("lea", ITEM, stroke())  # 2
    log("prof", ITEM, stroke())  # 3
    assert log.board.undo_target("lea") == 2
    change = log("lea", UNDO, 2)
    assert change.hidden == [2] and log.shown() == [1, 3]
    assert log.board.undo_target("prof") == 3  # the teacher's undo does not touch Léa's
    assert log.board.redo_target("lea") == 2
    change = log("lea", REDO, 2)
    assert [i.wire.seq for i in change.shown] == [2] and log.shown() == [1, 2, 3]


def test_a_new_drawing_forgets_the_redo() -> None:
    log = Log()
    log("lea", ITEM, stroke())
    log("lea", UNDO, 1)
    log("lea", ITEM, stroke())
    assert log.board.redo_target("lea") is None


def test_clear_hides_the_page_and_its_undo_brings_it_back() -> None:
    log = Log()
    log("lea", ITEM, stroke(0))  # 1
    log("prof", ITEM, stroke(0))  # 2
    log("prof", PAGE, 1)  # 3
    log("prof", ITEM, stroke(1))  # 4
    change = log("prof", CLEAR, 0)  # 5
    assert sorted(change.hidden) == [1, 2] and log.shown() == [4]
    assert log.board.visible_on[0] == 0
    change = log("prof", UNDO, 5)
    assert sorted(i.wire.seq for i in change.shown) == [1, 2] and log.shown() == [1, 2, 4]
    log("prof", REDO, 5)
    assert log.shown() == [4]


def test_an_item_undone_before_the_clear_stays_hidden_when_the_clear_is_undone() -> None:
    log = Log()
    log("lea", ITEM, stroke())  # 1
    log("lea", ITEM, stroke())  # 2
    log("lea", UNDO, 2)  # 3
    log("prof", CLEAR, 0)  # 4
    log("prof", UNDO, 4)  # 5
    assert log.shown() == [1]


def test_pages() -> None:
    log = Log()
    log("prof", PAGE, 1)
    assert (log.board.pages, log.board.page) == (2, 1)
    log("prof", PAGE, 0)
    assert (log.board.pages, log.board.page) == (2, 0)


def test_snapshot_restores_the_same_board() -> None:
    log = Log()
    for author in ("lea", "prof", "lea"):
        log(author, ITEM, stroke())
    log("lea", UNDO, 3)
    log("prof", CLEAR, 0)
    log("prof", UNDO, 5)
    copy = Board("tableau", 3333)
    copy.restore(log.board.snapshot())
    assert copy.seq == log.board.seq and copy.visible_on == log.board.visible_on
    assert [i.wire for i in copy.visible()] == [i.wire for i in log.board.visible()]
    assert copy.redo_target("lea") == 3 and copy.undo_target("prof") == 2
    op = Op(copy.seq + 1, "lea", REDO, 3)
    assert [i.wire.seq for i in copy.apply(op).shown] == [3]


def test_operations_must_follow_the_board_sequence() -> None:
    board = Board("tableau", 3333)
    board.apply(Op(1, "prof", ITEM, stroke()))
    with pytest.raises(ValueError, match="not after"):
        board.apply(Op(1, "prof", ITEM, stroke()))
