"""Private answer layers: each pupil answers alone, the teacher sees everyone, reveals, closes."""

from __future__ import annotations

import asyncio

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol import classroom as K
from cybercollege.protocol import whiteboard as W
from cybercollege.server.edge.services import Services
from tests.server.classroom.conftest import enter, seen
from tests.server.conftest import Connect
from tests.server.waits import caught_up
from tests.server.whiteboard.conftest import BOARD, error_codes, stroke


def answer(question: int, points: list[int] | None = None) -> K.AnswerItem:
    return K.AnswerItem(question, W.Kind.STROKE, W.Tool.PEN, 0x0000FF, 30, points or stroke(10))


def layers(conn: WorldConnection, author: int) -> list[K.AnswerLayer]:
    return [m for m in seen(conn).of(K.AnswerLayer) if m.author == author]


async def ask(prof: WorldConnection, *pupils: WorldConnection) -> int:
    await prof.send(K.AskQuestion(BOARD, 0, "Placez le point A"))
    for conn in (prof, *pupils):
        await conn.wait_for(lambda m, conn=conn: seen(conn).of(K.Question))
    return seen(prof).of(K.Question)[-1].id


async def test_each_pupil_answers_alone_and_the_teacher_sees_all(
    lesson: tuple[WorldConnection, ...], services: Services
) -> None:
    prof, lea, hugo = lesson
    q = await ask(prof, lea, hugo)
    await lea.send(answer(q))
    await hugo.send(answer(q, stroke(5, 5000, 500)))
    await prof.wait_for(lambda m: layers(prof, lea.mirror.me) and layers(prof, hugo.mirror.me))
    await lea.wait_for(lambda m: layers(lea, lea.mirror.me))
    assert layers(lea, lea.mirror.me)[-1].items[0].points == stroke(10)
    for conn in (lea, hugo, prof):  # what was sent to them has arrived
        await caught_up(conn, services)
    assert not layers(lea, hugo.mirror.me) and not layers(hugo, lea.mirror.me)  # hidden from each other
    assert not prof.mirror.boards[BOARD].items  # nothing on the shared board


async def test_the_teacher_reveals_one_answer_then_closes_the_question(
    lesson: tuple[WorldConnection, ...], connect: Connect, services: Services
) -> None:
    prof, lea, hugo = lesson
    q = await ask(prof, lea, hugo)
    await lea.send(answer(q))
    await hugo.send(answer(q))
    await prof.wait_for(lambda m: layers(prof, lea.mirror.me) and layers(prof, hugo.mirror.me))
    await prof.send(K.RevealAnswer(q, lea.mirror.me))
    await hugo.wait_for(lambda m: layers(hugo, lea.mirror.me))
    assert layers(hugo, lea.mirror.me)[-1].revealed and layers(hugo, lea.mirror.me)[-1].items[0].colour == 0x0000FF
    assert seen(hugo).of(K.Question)[-1].revealed == [lea.mirror.me]
    chloe = await enter(await connect("chloe.garcia"), services)  # a late arrival sees the revealed answer only
    await chloe.wait_for(lambda m: layers(chloe, lea.mirror.me))
    assert not layers(chloe, hugo.mirror.me)
    await prof.send(K.CloseQuestion(q))
    await lea.wait_for(lambda m: not seen(lea).of(K.Question)[-1].open)
    await lea.send(answer(q))
    await lea.wait_for(lambda m: ErrorCode.QUESTION_CLOSED in error_codes(lea))
    await prof.send(K.RevealAnswer(q))  # after closing, the teacher may still show them all
    await chloe.wait_for(lambda m: layers(chloe, hugo.mirror.me))


async def test_a_pupil_undoes_and_fills_her_layer(lesson: tuple[WorldConnection, ...]) -> None:
    prof, lea, _hugo = lesson
    q = await ask(prof, lea)
    await lea.send(answer(q))
    await lea.send(answer(q, stroke(3)))
    await lea.send(K.AnswerUndo(q))
    await prof.wait_for(lambda m: len(layers(prof, lea.mirror.me)) == 3)
    assert [i.points for i in layers(prof, lea.mirror.me)[-1].items] == [stroke(10)]
    for _ in range(K.MAX_LAYER_POINTS // K.MAX_ANSWER_POINTS + 1):
        await lea.send(answer(q, [v for i in range(K.MAX_ANSWER_POINTS) for v in (i * 9, i * 3)]))
        await asyncio.sleep(0.02)
    await lea.wait_for(lambda m: ErrorCode.LAYER_FULL in error_codes(lea))
    await lea.send(K.AnswerUndo(q + 1))
    await lea.wait_for(lambda m: ErrorCode.NO_QUESTION in error_codes(lea))
    await prof.send(answer(q))  # teachers look, they do not answer
    await prof.wait_for(lambda m: error_codes(prof) == [14])
