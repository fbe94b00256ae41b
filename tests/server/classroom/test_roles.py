"""Roles, enforced by the server: pupils and guests may not use the teacher's classroom tools."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol import classroom as K
from cybercollege.server.edge.services import Services
from cybercollege.server.guests.feature import Guests
from tests.server.classroom.conftest import RED, enter, export, pdf, seen, upload
from tests.server.conftest import Connect
from tests.server.test_invitation import guest, invite
from tests.server.waits import caught_up
from tests.server.whiteboard.conftest import BOARD, ROOM, error_codes

TEACHER_MESSAGES = {
    "ask a question": K.AskQuestion(BOARD, 0, "Qui a raison ?"),
    "reveal answers": K.RevealAnswer(1),
    "close a question": K.CloseQuestion(1),
    "start a breakout": K.BreakoutStart(60, count=1),
    "join a group": K.BreakoutJoin(1),
    "recall the groups": K.BreakoutRecall(),
    "call the class to the board": K.CallToBoard(BOARD),
}


@pytest.mark.parametrize("action", TEACHER_MESSAGES)
async def test_a_pupil_may_not(action: str, lesson: tuple[WorldConnection, ...], services: Services) -> None:
    prof, lea, _hugo = lesson
    await lea.send(TEACHER_MESSAGES[action])
    await lea.wait_for(lambda m: m.errors)
    assert error_codes(lea) == [ErrorCode.ACCESS_DENIED]
    await caught_up(prof, services)  # had it been done, the teacher would have been told by now
    assert not seen(prof).of(K.Question) and not seen(prof).of(K.Breakout) and not seen(prof).of(K.CalledToBoard)


@pytest.mark.parametrize("request_kind", ["upload slides", "export png", "export pdf"])
async def test_a_pupil_may_not_over_http(
    request_kind: str, lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    if request_kind == "upload slides":
        status, body = await upload(http, server, pdf(RED), login="lea.martin")
        assert body["error"] == "teachers_only"
    else:
        status, _ = await export(http, server, request_kind[-3:], login="lea.martin")
    assert status == 403


async def test_nobody_anonymous_over_http(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.post(server.make_url(f"/api/boards/{BOARD}/slides"), data=pdf(RED)) as r:
        assert r.status == 401
    async with http.get(server.make_url(f"/api/boards/{BOARD}/export.png")) as r:
        assert r.status == 401


async def test_a_guest_in_the_classroom_may_not(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof = await enter(await connect("mme.durand"), services)
    _, created = await invite(http, server)
    _, login = await guest(http, server, created["code"], "Emma")
    emma = await connect("", token=login["access_token"])
    emma_id = services.world.avatars[emma.mirror.me].identity.user_id
    services.world.features.get(Guests).admitted.setdefault(ROOM, set()).add(emma_id)  # as if a teacher admitted her
    await enter(emma, services)
    for msg in TEACHER_MESSAGES.values():
        await emma.send(msg)
    await emma.wait_for(lambda m: len(m.errors) == len(TEACHER_MESSAGES))
    assert set(error_codes(emma)) == {ErrorCode.ACCESS_DENIED}
    assert not seen(prof).of(K.Question) and not seen(prof).of(K.Breakout)
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    async with http.post(server.make_url(f"/api/boards/{BOARD}/slides"), data=pdf(RED), headers=headers) as r:
        assert r.status == 403
    async with http.get(server.make_url(f"/api/boards/{BOARD}/export.pdf"), headers=headers) as r:
        assert r.status == 403


async def test_a_pupil_cannot_answer_for_a_question_of_another_room(connect: Connect) -> None:
    lea = await connect("lea.martin")  # in the hall: no classroom tools there
    await lea.send(K.AnswerUndo(1))
    await lea.wait_for(lambda m: m.errors)
    assert error_codes(lea) == [ErrorCode.UNEXPECTED_MESSAGE]
