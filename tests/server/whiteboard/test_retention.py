"""Slide images stay while a board shows them; the others go a day after they were stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cybercollege.server.classroom import slides
from cybercollege.server.classroom.whiteboard.board import BACKGROUND, Op
from cybercollege.server.classroom.whiteboard.retention import purge_unshown
from cybercollege.server.classroom.whiteboard.storage import BoardStorage, Snapshot
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import utcnow

PNG = b"\x89PNG fake"


def slide(n: int) -> slides.Slide:
    return slides.Slide(PNG + bytes([n]), 800, 600, f"{n:064x}")


async def test_images_a_board_shows_stay_and_the_others_go_after_a_day(tmp_path: Path) -> None:
    async with Store(f"sqlite+aiosqlite:///{tmp_path}/r.db") as store:
        await slides.save(store, [slide(n) for n in range(1, 6)])
        boards = BoardStorage(store)
        # board A shows slide 1 from its snapshot and slide 2 from an operation since; slide 3 was replaced
        await boards.write([("a", Op(1, "t", BACKGROUND, [0, slide(3).sha256, 800, 600]))])
        await boards.write([("a", Op(2, "t", BACKGROUND, [0, slide(1).sha256, 800, 600]))])
        await boards.write([("a", Op(3, "t", BACKGROUND, [1, slide(2).sha256, 800, 600]))])
        # board B showed slide 4 on a page, then the page's background was removed
        await boards.write([("b", Op(1, "t", BACKGROUND, [0, slide(4).sha256, 800, 600]))])
        await boards.write([("b", Op(2, "t", BACKGROUND, [0, "", 0, 0]))])
        assert await purge_unshown(store) == 0  # everything was stored less than a day ago
        assert await purge_unshown(store, now=utcnow() + timedelta(days=2)) == 3  # slides 3, 4 and 5
        for n, kept in ((1, True), (2, True), (3, False), (4, False), (5, False)):
            assert (await slides.load(store, slide(n).sha256) is not None) is kept, n


async def test_a_snapshot_keeps_its_backgrounds(tmp_path: Path) -> None:
    from cybercollege.server.classroom.whiteboard.board import Board

    async with Store(f"sqlite+aiosqlite:///{tmp_path}/r.db") as store:
        await slides.save(store, [slide(1), slide(2)])
        board = Board("c", 1)
        board.apply(Op(1, "t", BACKGROUND, [0, slide(1).sha256, 800, 600]))
        await BoardStorage(store).write([], [Snapshot("c", 1, board.snapshot())])
        assert await purge_unshown(store, now=utcnow() + timedelta(days=2)) == 1
        assert await slides.load(store, slide(1).sha256) is not None
