"""Breakout groups: a board per group seen only by its members and the teachers, a timer, the recall."""

from __future__ import annotations

import time

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol import classroom as K
from cybercollege.server.edge.services import Services
from tests.server.classroom.conftest import BLUE, RED, export, image, near, png_pixel, seen, upload
from tests.server.waits import caught_up
from tests.server.whiteboard.conftest import BOARD, ROOM, error_codes, stroke

GROUP1, GROUP2 = f"{BOARD}:groupe-1", f"{BOARD}:groupe-2"


def breakout(conn: WorldConnection) -> K.Breakout | None:
    states = seen(conn).of(K.Breakout)
    return states[-1] if states else None


async def start(prof: WorldConnection, *groups: list[WorldConnection], seconds: int = 600) -> None:
    await prof.send(K.BreakoutStart(seconds, [[c.mirror.me for c in g] for g in groups]))
    await prof.wait_for(lambda m: breakout(prof) and breakout(prof).active and {GROUP1, GROUP2} <= set(m.boards))


async def test_each_group_sees_only_its_board_and_the_teacher_sees_all(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    prof, lea, hugo = lesson
    before = time.monotonic()  # the server runs in this process: one clock
    await start(prof, [lea], [hugo])
    since_ms = (time.monotonic() - before) * 1000 + 1  # the timer started after `before`, was read before now
    state = breakout(prof)
    assert [(g.number, g.board, g.members) for g in state.groups] == [(1, GROUP1, [lea.mirror.me]),
                                                                       (2, GROUP2, [hugo.mirror.me])]  # fmt: skip
    assert 600_000 - since_ms <= state.remaining_ms <= 600_000, "the ten minutes started when she asked"
    await lea.wait_for(lambda m: GROUP1 in m.boards)
    cid = await hugo.draw(GROUP2, stroke(), colour=0xFF0000)  # every member holds the group's pen
    await hugo.wait_for(lambda m: cid in m.boards[GROUP2].acks)
    await prof.wait_for(lambda m: m.boards[GROUP2].items)
    await lea.draw(GROUP2, stroke())  # not her group
    await lea.wait_for(lambda m: ErrorCode.NOT_ALLOWED in error_codes(lea))
    for conn in (lea, hugo, prof):  # what was sent to them has arrived
        await caught_up(conn, services)
    assert GROUP2 not in lea.mirror.boards and GROUP1 not in hugo.mirror.boards
    assert not prof.mirror.boards[BOARD].items  # the room's board is untouched
    await prof.send(K.BreakoutJoin(2))
    await hugo.wait_for(lambda m: breakout(hugo).groups[1].teachers == [prof.mirror.me])


async def test_the_recall_ends_the_groups_and_the_teacher_keeps_their_boards(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, lea, hugo = lesson
    assert (await upload(http, server, image(BLUE, size=(300, 100))))[0] == 201
    await start(prof, [lea], [hugo])
    await hugo.wait_for(lambda m: seen(hugo).of(K.PageBackground)[-1].board == GROUP2)  # the worksheet, copied
    cid = await hugo.draw(GROUP2, [v for x in range(1000, 9001, 100) for v in (x, 1500)], colour=0xFF0000, width=100)
    await hugo.wait_for(lambda m: cid in m.boards[GROUP2].acks)
    await prof.send(K.BreakoutRecall())
    await hugo.wait_for(lambda m: not breakout(hugo).active)
    await hugo.draw(GROUP2, stroke())
    await hugo.wait_for(lambda m: ErrorCode.NOT_ALLOWED in error_codes(hugo))
    status, png = await export(http, server, "png", board=GROUP2)
    height = prof.mirror.boards[GROUP2].height
    assert status == 200 and png_pixel(png, 0.5, 1500 / height) == RED and near(png_pixel(png, 0.5, 0.9), BLUE)
    await prof.send(K.BreakoutRecall())
    await prof.wait_for(lambda m: ErrorCode.NO_BREAKOUT in error_codes(prof))


async def test_random_groups_and_the_timer(lesson: tuple[WorldConnection, ...], services: Services) -> None:
    prof, lea, hugo = lesson
    await prof.send(K.BreakoutStart(60, count=2))
    await lea.wait_for(lambda m: breakout(lea) and breakout(lea).active)
    groups = breakout(lea).groups
    assert sorted(len(g.members) for g in groups) == [1, 1]
    assert {a for g in groups for a in g.members} == {lea.mirror.me, hugo.mirror.me}
    services.world.rooms[ROOM].breakout.ends = 0.0  # the 60 seconds are over
    await lea.wait_for(lambda m: not breakout(lea).active, timeout=2)
    assert breakout(lea).remaining_ms == 0


async def test_groups_must_be_pupils_present_each_once(lesson: tuple[WorldConnection, ...]) -> None:
    prof, lea, hugo = lesson
    for bad in (K.BreakoutStart(60, [[prof.mirror.me], [lea.mirror.me]]),  # a teacher
                K.BreakoutStart(60, [[lea.mirror.me], [lea.mirror.me, hugo.mirror.me]]),  # twice
                K.BreakoutStart(60, [[lea.mirror.me], [424242]]),  # absent
                K.BreakoutStart(60, [[lea.mirror.me], []]),  # empty group
                K.BreakoutStart(60, count=3)):  # fmt: skip  # three groups, two pupils
        await prof.send(bad)
    await prof.wait_for(lambda m: error_codes(prof).count(ErrorCode.BAD_GROUPS) == 5)
    await prof.send(K.BreakoutJoin(1))
    await prof.wait_for(lambda m: ErrorCode.NO_BREAKOUT in error_codes(prof))
    assert breakout(lea) is None


async def test_call_the_class_to_the_board(lesson: tuple[WorldConnection, ...]) -> None:
    prof, lea, hugo = lesson
    await prof.send(K.CallToBoard(BOARD))
    for conn in (lea, hugo):
        await conn.wait_for(lambda m, conn=conn: seen(conn).of(K.CalledToBoard))
        assert seen(conn).of(K.CalledToBoard)[0] == K.CalledToBoard(BOARD, prof.mirror.me)
    await prof.send(K.CallToBoard("tableau-999"))
    await prof.wait_for(lambda m: ErrorCode.UNKNOWN_BOARD in error_codes(prof))
