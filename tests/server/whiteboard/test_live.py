"""A teacher and pupils share the board of salle-103 over real WebSockets."""

from __future__ import annotations

import asyncio

from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.whiteboard.storage import BoardStorage
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.whiteboard.conftest import BOARD, board_ready, seat, stroke, walk_into_classroom


async def test_pupils_see_the_teachers_stroke_while_it_is_drawn(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    await asyncio.gather(*(walk_into_classroom(c) for c in (prof, lea, hugo)))
    board = lea.mirror.boards[BOARD]
    assert board.height == 3333 and board.pages == 1 and not board.items
    cid = prof.new_cid()
    await prof.send(W.StrokeBegin(BOARD, cid, 0, W.Tool.PEN, 0x1F4E79, 30, [100, 100]))
    await lea.wait_for(lambda m: m.boards[BOARD].live)  # seen before pen-up
    await prof.send(W.StrokePoints(BOARD, cid, [110, 105, 120, 110]))
    await hugo.wait_for(lambda m: any(len(s.points) == 6 for s in m.boards[BOARD].live.values()))
    await prof.send(W.StrokeEnd(BOARD, cid))
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    seq = prof.mirror.boards[BOARD].acks[cid]
    for c in (prof, lea, hugo):
        await c.wait_for(lambda m: seq in m.boards[BOARD].items)
        item = c.mirror.boards[BOARD].items[seq]
        assert (item.points, item.colour, item.width) == ([100, 100, 110, 105, 120, 110], 0x1F4E79, 30)
    saved = await BoardStorage(services.store).load(BOARD)  # acknowledged means in the database
    assert [op.seq for op in saved.ops] == [seq]


async def test_a_late_joiner_gets_the_whole_board(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    await seat(prof, services)
    for i in range(30):
        await prof.draw(BOARD, stroke(20, 100 * i, 100))
        await asyncio.sleep(0.03)  # two messages a stroke: within the board's rate limit
    await prof.send(W.DrawShape(BOARD, prof.new_cid(), 0, W.Shape.RECTANGLE, 0xFF0000, 20, [10, 10, 500, 300]))
    await prof.send(W.WriteText(BOARD, prof.new_cid(), 0, 0, 200, 600, 700, "Present perfect"))
    await prof.send(W.Undo(BOARD, prof.new_cid()))  # the text goes away
    await prof.send(W.ShowPage(BOARD, prof.new_cid(), 1))  # a new page
    await prof.wait_for(lambda m: len(m.boards[BOARD].acks) == 34)
    assert not prof.mirror.errors
    chloe = await connect("chloe.garcia")
    await seat(chloe, services)
    seen, truth = chloe.mirror.boards[BOARD], prof.mirror.boards[BOARD]
    assert seen.items == truth.items and len(seen.items) == 31
    assert not any(i.kind == W.Kind.TEXT for i in seen.items.values())
    assert (seen.pages, seen.page, seen.seq) == (2, 1, 34)


async def test_a_stroke_in_progress_reaches_a_late_joiner(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    await seat(prof, services)
    cid = prof.new_cid()
    await prof.send(W.StrokeBegin(BOARD, cid, 0, W.Tool.HIGHLIGHTER, 0xFFFF00, 200, [5, 5, 6, 6]))
    await prof.wait_for(lambda m: m.boards[BOARD].live)
    hugo = await connect("hugo.moreau")
    await seat(hugo, services)
    await hugo.wait_for(lambda m: m.boards[BOARD].live)
    await prof.send(W.StrokeEnd(BOARD, cid))
    await hugo.wait_for(lambda m: len(m.boards[BOARD].items) == 1)
    assert next(iter(hugo.mirror.boards[BOARD].items.values())).style == W.Tool.HIGHLIGHTER


async def test_undo_is_per_author_and_clear_is_undoable(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    lea = await connect("lea.martin")
    await seat(prof, services)
    await seat(lea, services)
    await prof.give_pen(BOARD, lea.mirror.me)
    await lea.wait_for(lambda m: m.boards[BOARD].pens == [lea.mirror.me])
    await prof.draw(BOARD, stroke(5, 0))
    await prof.wait_for(lambda m: len(m.boards[BOARD].items) == 1)
    await lea.draw(BOARD, stroke(5, 2000))
    await prof.wait_for(lambda m: len(m.boards[BOARD].items) == 2)
    prof_seq, lea_seq = sorted(prof.mirror.boards[BOARD].items)
    await lea.send(W.Undo(BOARD, lea.new_cid()))  # Léa's own stroke, not the teacher's later one
    await prof.wait_for(lambda m: list(m.boards[BOARD].items) == [prof_seq])
    await lea.send(W.Redo(BOARD, lea.new_cid()))
    await prof.wait_for(lambda m: len(m.boards[BOARD].items) == 2)
    clear = prof.new_cid()
    await prof.send(W.ClearPage(BOARD, clear, 0))
    await lea.wait_for(lambda m: not m.boards[BOARD].items)
    await prof.send(W.Undo(BOARD, prof.new_cid()))
    await lea.wait_for(lambda m: sorted(m.boards[BOARD].items) == [prof_seq, lea_seq])


async def test_reconnecting_gets_the_board_again(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    await seat(prof, services)
    await prof.draw(BOARD, stroke())
    await prof.wait_for(lambda m: m.boards[BOARD].acks)
    resume = prof.mirror.resume
    await prof.drop()
    again = await connect("mme.durand", resume=resume)
    await board_ready(again)
    assert again.mirror.boards[BOARD].items == prof.mirror.boards[BOARD].items
