"""Roles, enforced by the server for every board action: one test per rule."""

from __future__ import annotations

import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.whiteboard.host import BoardHost, BoardRefused
from cybercollege.server.core.identity import Role
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.waits import caught_up
from tests.server.whiteboard.conftest import BOARD, avatar, begin, error_codes, seat, stroke

NOT_ALLOWED = ErrorCode.NOT_ALLOWED


async def test_a_pupil_without_the_pen_cannot_draw_write_or_undo(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    lea = await connect("lea.martin")
    await seat(prof, services)
    await seat(lea, services)
    await lea.draw(BOARD, stroke())
    await lea.send(W.DrawShape(BOARD, 2, 0, W.Shape.LINE, 0, 10, [0, 0, 10, 10]))
    await lea.send(W.WriteText(BOARD, 3, 0, 0, 100, 0, 0, "coucou"))
    await lea.send(W.Undo(BOARD, 4))
    await lea.send(W.ShowPage(BOARD, 5, 1))
    await lea.wait_for(lambda m: len(m.errors) >= 6)
    # begin refused; its end then names no stroke; the rest refused
    assert error_codes(lea) == [NOT_ALLOWED, ErrorCode.NO_STROKE, *[NOT_ALLOWED] * 4]
    await caught_up(prof, services)  # anything drawn would have reached the teacher by now
    assert not prof.mirror.boards[BOARD].items and not prof.mirror.boards[BOARD].live


async def test_a_pupil_cannot_clear_even_with_the_pen(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    lea = await connect("lea.martin")
    await seat(prof, services)
    await seat(lea, services)
    await prof.draw(BOARD, stroke())
    await prof.give_pen(BOARD, lea.mirror.me)
    await lea.wait_for(lambda m: m.boards[BOARD].pens and m.boards[BOARD].items)
    await lea.send(W.ClearPage(BOARD, 1, 0))
    await lea.wait_for(lambda m: m.errors)
    assert error_codes(lea) == [NOT_ALLOWED]
    assert len(prof.mirror.boards[BOARD].items) == 1


async def test_a_pupil_cannot_give_the_pen(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    await seat(lea, services)
    await seat(hugo, services)
    await lea.give_pen(BOARD, hugo.mirror.me)
    await lea.give_pen(BOARD, lea.mirror.me)
    await lea.wait_for(lambda m: len(m.errors) == 2)
    assert error_codes(lea) == [NOT_ALLOWED, NOT_ALLOWED]
    assert not hugo.mirror.boards[BOARD].pens


async def test_the_pen_given_lets_a_pupil_draw_and_taken_back_stops_her(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    lea = await connect("lea.martin")
    await seat(prof, services)
    await seat(lea, services)
    await prof.give_pen(BOARD, lea.mirror.me)
    await lea.wait_for(lambda m: m.boards[BOARD].pens == [lea.mirror.me])
    cid = await lea.draw(BOARD, stroke())
    await lea.wait_for(lambda m: cid in m.boards[BOARD].acks)
    await lea.send(W.StrokeBegin(BOARD, 99, 0, 0, 0, 30, [1, 1]))  # she is drawing...
    await prof.wait_for(lambda m: m.boards[BOARD].live)
    await prof.give_pen(BOARD, lea.mirror.me, give=False)  # ...when the teacher takes the pen back
    await prof.wait_for(lambda m: not m.boards[BOARD].live and not m.boards[BOARD].pens)
    await lea.send(W.StrokeEnd(BOARD, 99))
    await lea.draw(BOARD, stroke())
    await lea.wait_for(lambda m: len(m.errors) >= 2)
    assert error_codes(lea)[:3] == [ErrorCode.NO_STROKE, NOT_ALLOWED, ErrorCode.NO_STROKE]
    assert len(prof.mirror.boards[BOARD].items) == 1


async def test_the_pen_goes_only_to_someone_in_the_room(connect: Connect, services: Services) -> None:
    prof = await connect("mme.durand")
    hugo = await connect("hugo.moreau")  # stays in the hall
    await seat(prof, services)
    await prof.give_pen(BOARD, hugo.mirror.me)
    await prof.wait_for(lambda m: m.errors)
    assert error_codes(prof) == [ErrorCode.BAD_TARGET]


# --- roles that cannot walk into salle-103 (guests) or are not in the demo directory (staff) -------


def test_a_guest_draws_only_with_the_pen(host: BoardHost) -> None:
    teacher, guest = avatar(1, Role.TEACHER), avatar(2, Role.GUEST)
    host.members.update({1: teacher, 2: guest})
    with pytest.raises(BoardRefused) as refused:
        host.handle(guest, begin())
    assert refused.value.code is NOT_ALLOWED
    host.handle(teacher, W.GivePen(BOARD, 2, True))
    host.handle(guest, begin())
    host.handle(guest, W.StrokeEnd(BOARD, 1))
    assert len(host.board.visible()) == 1
    with pytest.raises(BoardRefused):
        host.handle(guest, W.ClearPage(BOARD, 2, 0))


def test_staff_are_teachers_of_the_room(host: BoardHost) -> None:
    staff, pupil = avatar(1, Role.STAFF), avatar(2, Role.PUPIL)
    host.members.update({1: staff, 2: pupil})
    host.handle(staff, begin())
    host.handle(staff, W.StrokeEnd(BOARD, 1))
    host.handle(staff, W.GivePen(BOARD, 2, True))
    host.handle(pupil, W.WriteText(BOARD, 1, 0, 0, 100, 0, 0, "ok"))
    host.handle(staff, W.ClearPage(BOARD, 2, 0))
    assert not host.board.visible() and host.board.seq == 3
