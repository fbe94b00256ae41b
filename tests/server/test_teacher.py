"""The teacher's tools, with a teacher and pupils in Salle 103, each rule enforced on the server."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import ErrorCode
from cybercollege.protocol.invitation import Admit
from cybercollege.protocol.teacher import (
    Freeze,
    Hand,
    Lock,
    Mute,
    Poll,
    PollClose,
    PollOpen,
    PollShow,
    RoomState,
    SendOut,
    Spotlight,
    Vote,
)
from cybercollege.protocol.whiteboard import WriteText
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect
from tests.server.test_invitation import bearer, guest, invite, names, watch_lobby
from tests.server.test_world_flow import walk_to
from tests.server.waits import caught_up


class Watch:
    """Records the teacher-tool messages one client receives."""

    def __init__(self, conn: WorldConnection) -> None:
        self.states: list[RoomState] = []
        self.polls: list[Poll] = []
        apply = conn.mirror.apply

        def recording(msg: Any) -> None:
            apply(msg)
            if isinstance(msg, RoomState):
                self.states.append(msg)
            elif isinstance(msg, Poll):
                self.polls.append(msg)

        conn.mirror.apply = recording  # type: ignore[method-assign]


async def in_room(conn: WorldConnection, services: Services, room_id: str = "salle-103") -> Watch:
    """Put ``conn``'s avatar in a room at once (walking through doors is tested in test_world_flow)."""
    watch = Watch(conn)
    room = services.world.rooms[room_id]
    avatar = services.world.avatars[conn.mirror.me]
    services.world.move_to(avatar, room, room.spec.spawn_points[0])
    await conn.wait_for(lambda m: m.room == room_id)
    return watch


def error_codes(conn: WorldConnection) -> list[int]:
    return [e.code for e in conn.mirror.errors]


@pytest.fixture
async def lesson(connect: Connect, services: Services) -> tuple[WorldConnection, ...]:
    teacher = await connect("mme.durand")
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    for conn in (teacher, lea, hugo):
        conn.watch = await in_room(conn, services)  # type: ignore[attr-defined]
    await teacher.wait_for(lambda m: {lea.mirror.me, hugo.mirror.me} <= set(m.members))
    return teacher, lea, hugo


async def test_hand_raise_queue(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await lea.send(Hand(True))
    await teacher.wait_for(lambda m: teacher.watch.states and teacher.watch.states[-1].hands == [lea.mirror.me])
    await hugo.send(Hand(True))
    await teacher.wait_for(
        lambda m: teacher.watch.states and teacher.watch.states[-1].hands == [lea.mirror.me, hugo.mirror.me]
    )
    await teacher.send(Hand(False, lea.mirror.me))
    await hugo.wait_for(lambda m: hugo.watch.states[-1].hands == [hugo.mirror.me])
    await lea.send(Hand(False, hugo.mirror.me))  # a pupil cannot lower someone else's hand
    await lea.send(Hand(True, hugo.mirror.me))
    await lea.wait_for(lambda m: error_codes(lea).count(ErrorCode.ACCESS_DENIED) == 2)


async def test_mute_one_pupil(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(Mute(True, lea.mirror.me))
    await lea.wait_for(lambda m: lea.watch.states and lea.mirror.me in lea.watch.states[-1].muted)
    await lea.say("je parle quand même")
    await hugo.say("moi aussi")
    await lea.wait_for(lambda m: ErrorCode.MUTED in error_codes(lea))
    await teacher.wait_for(lambda m: [c.text for c in m.chat] == ["moi aussi"])
    await teacher.send(Mute(False, lea.mirror.me))
    await lea.wait_for(lambda m: not lea.watch.states[-1].muted)
    await lea.say("merci")
    await teacher.wait_for(lambda m: m.chat[-1].text == "merci")


async def test_pupils_cannot_use_teacher_tools(lesson: tuple[WorldConnection, ...], services: Services) -> None:
    teacher, lea, hugo = lesson
    for msg in (Mute(True), Freeze(True), Lock(True), SendOut(hugo.mirror.me), Spotlight(lea.mirror.me),
                PollOpen("Question ?", ["oui", "non"])):  # fmt: skip
        await lea.send(msg)
    await lea.wait_for(lambda m: error_codes(lea).count(ErrorCode.ACCESS_DENIED) == 6)
    await caught_up(teacher, services)  # any change would have reached the teacher by now
    assert not teacher.watch.states and not teacher.watch.polls  # nothing changed


async def test_freeze_mutes_and_locks_pupils_but_not_the_teacher(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(Freeze(True))
    await lea.wait_for(lambda m: lea.watch.states and lea.watch.states[-1].frozen)
    x, y, _ = lea.mirror.position
    await lea.move(x + 0.1, y)
    await lea.say("hé")
    await lea.wait_for(lambda m: m.corrections and ErrorCode.MUTED in error_codes(lea))
    tx, ty, _ = teacher.mirror.position
    await teacher.move(tx + 0.1, ty)
    await teacher.say("Silence, on travaille.")
    await hugo.wait_for(lambda m: m.chat and m.chat[-1].text == "Silence, on travaille.")
    assert not teacher.mirror.corrections
    await teacher.send(Freeze(False))
    await lea.wait_for(lambda m: not lea.watch.states[-1].frozen)
    await lea.move(x + 0.1, y)
    await lea.say("merci madame")
    await teacher.wait_for(lambda m: m.chat[-1].text == "merci madame")


async def test_locked_room_refuses_newcomers(
    lesson: tuple[WorldConnection, ...], connect: Connect, services: Services
) -> None:
    teacher, _lea, _hugo = lesson
    await teacher.send(Lock(True))
    await teacher.wait_for(lambda m: teacher.watch.states and teacher.watch.states[-1].locked)
    chloe = await connect("chloe.garcia")  # 4A too
    await in_room(chloe, services, "couloir")
    lx, ly, _ = services.world.spec.doors["porte-103"].landing("couloir")
    await walk_to(chloe, lx, ly)
    await chloe.use_door("porte-103")
    await chloe.wait_for(lambda m: m.errors)
    assert chloe.mirror.errors[0].code == ErrorCode.ACCESS_DENIED and "verrouillée" in chloe.mirror.errors[0].message
    await teacher.send(Lock(False))
    await teacher.wait_for(lambda m: not teacher.watch.states[-1].locked)
    await chloe.use_door("porte-103")
    await chloe.wait_for(lambda m: m.room == "salle-103")


async def test_send_out_and_spotlight(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(Spotlight(hugo.mirror.me))
    await lea.wait_for(lambda m: lea.watch.states and lea.watch.states[-1].spotlight == hugo.mirror.me)
    await teacher.send(SendOut(lea.mirror.me))
    await lea.wait_for(lambda m: m.room == "hall")
    await teacher.wait_for(lambda m: lea.mirror.me not in m.members)
    await hugo.send(SendOut(teacher.mirror.me))
    await hugo.wait_for(lambda m: ErrorCode.ACCESS_DENIED in error_codes(hugo))


async def test_a_poll_has_live_counts(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(PollOpen("On sort dans la cour ?", ["oui", "non"], anonymous=False))
    await lea.wait_for(lambda m: lea.watch.polls)
    poll = lea.watch.polls[-1]
    assert poll.open and poll.counts == [0, 0]
    await lea.send(Vote(poll.id, [1]))
    await hugo.send(Vote(poll.id, [0]))
    await hugo.wait_for(lambda m: hugo.watch.polls[-1].voters == 2)
    assert hugo.watch.polls[-1].counts == [1, 1] and hugo.watch.polls[-1].by_voter == []  # pupils: counts only
    await teacher.wait_for(lambda m: any(p.by_voter and len(p.by_voter) == 2 for p in teacher.watch.polls))
    detailed = next(p for p in reversed(teacher.watch.polls) if len(p.by_voter) == 2)
    assert {(v.id, tuple(v.choices)) for v in detailed.by_voter} == {(lea.mirror.me, (1,)), (hugo.mirror.me, (0,))}


async def test_a_quiz_shows_pupils_its_counts_only_once_closed(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(
        PollOpen("Capitale de l'Allemagne ?", ["Munich", "Berlin", "Hambourg"], anonymous=False, correct=[1])
    )
    await lea.wait_for(lambda m: lea.watch.polls)
    poll = lea.watch.polls[-1]
    assert poll.open and poll.correct == [] and poll.counts == []  # no counts: the first answers give nothing away
    await lea.send(Vote(poll.id, [1]))
    await hugo.send(Vote(poll.id, [0]))
    await hugo.wait_for(lambda m: hugo.watch.polls[-1].voters == 2)
    assert all(p.counts == [] and p.by_voter == [] for p in hugo.watch.polls + lea.watch.polls)
    await teacher.wait_for(lambda m: any(p.by_voter and len(p.by_voter) == 2 for p in teacher.watch.polls))
    detailed = next(p for p in reversed(teacher.watch.polls) if len(p.by_voter) == 2)
    assert detailed.counts == [1, 1, 0], "the teacher follows the answers live"
    assert {(v.id, tuple(v.choices)) for v in detailed.by_voter} == {(lea.mirror.me, (1,)), (hugo.mirror.me, (0,))}
    await teacher.send(PollShow(poll.id))  # not while it is open: the board would tell the class
    await teacher.wait_for(lambda m: ErrorCode.UNEXPECTED_MESSAGE in error_codes(teacher))
    await lea.send(Vote(poll.id, [0, 2]))  # one answer only in this poll
    await lea.wait_for(lambda m: ErrorCode.INVALID_FIELD in error_codes(lea))
    await teacher.send(PollClose(poll.id))
    await lea.wait_for(lambda m: not lea.watch.polls[-1].open)
    assert lea.watch.polls[-1].correct == [1] and lea.watch.polls[-1].counts == [1, 1, 0]
    await hugo.wait_for(lambda m: not hugo.watch.polls[-1].open and hugo.watch.polls[-1].counts == [1, 1, 0])
    await hugo.send(Vote(poll.id, [1]))
    await hugo.wait_for(lambda m: ErrorCode.UNEXPECTED_MESSAGE in error_codes(hugo))


async def test_a_guest_cannot_start_a_poll(server: TestServer, http: aiohttp.ClientSession, connect: Connect) -> None:
    teacher = await connect("mme.durand")
    lobby = watch_lobby(teacher)
    _, created = await invite(http, server)
    _, login = await guest(http, server, created["code"], "Emma")
    emma = await connect("", token=login["access_token"])
    await teacher.wait_for(lambda m: names(lobby) == ["Emma"])  # she is waiting: now she can be let in
    await teacher.send(Admit([]))
    await emma.wait_for(lambda m: m.room == "amphi")
    await emma.send(PollOpen("Wer kommt?", ["ja", "nein"]))
    await emma.send(Lock(True))
    await emma.wait_for(lambda m: error_codes(emma).count(ErrorCode.ACCESS_DENIED) == 2)


async def test_attendance_csv(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    url = server.make_url("/api/rooms/salle-103/attendance.csv")
    async with http.get(url, headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 200 and r.content_type == "text/csv"
        rows = (await r.text(encoding="utf-8-sig")).splitlines()  # the languages: test_attendance_csv.py
    assert rows[0] == "nom;rôle;arrivée;départ;minutes"
    assert any(row.startswith("Léa M.;élève;") for row in rows)
    assert any(row.startswith("Claire Durand;enseignant·e;") for row in rows)
    async with http.get(url, headers=await bearer(http, server, "lea.martin")) as r:
        assert r.status == 403
    async with http.get(
        server.make_url("/api/rooms/nowhere/attendance.csv"), headers=await bearer(http, server, "mme.durand")
    ) as r:
        assert r.status == 404


async def test_results_on_the_board(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(PollOpen("Capitale de l'Allemagne ?", ["Munich", "Berlin"], anonymous=True, correct=[1]))
    await lea.wait_for(lambda m: lea.watch.polls)
    poll = lea.watch.polls[-1]
    await lea.send(Vote(poll.id, [1]))
    await hugo.send(Vote(poll.id, [0]))
    await teacher.wait_for(lambda m: teacher.watch.polls and teacher.watch.polls[-1].voters == 2)
    await lea.send(PollShow(poll.id))  # a pupil cannot
    await lea.wait_for(lambda m: ErrorCode.ACCESS_DENIED in error_codes(lea))
    await teacher.send(PollClose(poll.id))
    await teacher.send(PollShow(poll.id))

    def written(m: Any) -> list[str]:
        return [i.text for i in m.boards["tableau-103"].items.values() if i.text]

    await hugo.wait_for(lambda m: len(written(m)) == 3)
    assert written(hugo.mirror) == ["Capitale de l'Allemagne ?", "Munich : 1 (50 %)", "Berlin : 1 (50 %) ✓"]
    assert hugo.mirror.boards["tableau-103"].pages == 1, "a blank page takes them where it is"


async def test_results_go_on_a_page_of_their_own_when_the_board_is_used(lesson: tuple[WorldConnection, ...]) -> None:
    teacher, lea, hugo = lesson
    await teacher.send(WriteText("tableau-103", 1, 0, 0x000000, 300, 400, 300, "Leçon 4 : les capitales"))
    await hugo.wait_for(lambda m: len(m.boards["tableau-103"].items) == 1)
    await teacher.send(PollOpen("Capitale de l'Allemagne ?", ["Munich", "Berlin"]))
    await lea.wait_for(lambda m: lea.watch.polls)
    poll = lea.watch.polls[-1]
    await lea.send(Vote(poll.id, [1]))
    await teacher.wait_for(lambda m: teacher.watch.polls[-1].voters == 1)
    await teacher.send(PollShow(poll.id))
    board = hugo.mirror.boards["tableau-103"]
    await hugo.wait_for(lambda m: len(board.items) == 4 and board.page == 1)
    by_page = sorted((i.page, i.text) for i in board.items.values())
    assert by_page == [(0, "Leçon 4 : les capitales"), (1, "Berlin : 1 (100 %)"), (1, "Capitale de l'Allemagne ?"),
                       (1, "Munich : 0 (0 %)")], "the lesson's title is not written over"
    assert board.pages == 2


async def test_in_the_hall_only_staff_lock_freeze_or_mute(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    """A teacher must not close the college's entrance: in a shared space only staff (vie scolaire) may."""
    teacher = await connect("mme.durand")
    await in_room(teacher, services, "hall")
    for msg in (Lock(True), Freeze(True), Mute(True)):
        await teacher.send(msg)
    await teacher.wait_for(lambda m: error_codes(teacher).count(ErrorCode.ACCESS_DENIED) == 3)
    assert all("vie scolaire" in e.message for e in teacher.mirror.errors)
    lea = await connect("lea.martin")  # the hall was not locked: she arrives
    assert lea.mirror.room == "hall"
    hall = server.make_url("/api/rooms/hall/attendance.csv")
    async with http.get(hall, headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 403 and "vie scolaire" in (await r.json())["message"]
    staff = await connect("m.leroy")
    watch = await in_room(staff, services, "hall")
    await staff.send(Lock(True))
    await staff.wait_for(lambda m: bool(watch.states) and watch.states[-1].locked)
    await staff.send(Lock(False))
    async with http.get(hall, headers=await bearer(http, server, "m.leroy")) as r:
        assert r.status == 200 and "Léa M.;élève;" in await r.text()


async def test_in_the_amphitheatre_a_teacher_reads_the_attendance_of_her_own_pupils_and_guests(
    connect: Connect, services: Services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    """The amphitheatre is open to every class: its attendance lists every class's pupils, so a teacher reads
    only herself, the pupils of her classes and the guests she invited; the school's staff read it all."""
    durand = await connect("mme.durand")  # teaches 6A, 5B, 4A, 3C; invites a partner class
    lobby = watch_lobby(durand)
    await in_room(durand, services, "amphi")
    _, created = await invite(http, server)
    _, login = await guest(http, server, created["code"], "Emma")
    emma = await connect("", token=login["access_token"])
    await durand.wait_for(lambda m: names(lobby) == ["Emma"])
    await durand.send(Admit([]))
    await emma.wait_for(lambda m: m.room == "amphi")
    for pupil in ("lea.martin", "nathan.roux"):  # 4A and 5B
        await in_room(await connect(pupil), services, "amphi")
    bernard = await connect("m.bernard")  # teaches 4A and 3C
    await in_room(bernard, services, "amphi")
    url = server.make_url("/api/rooms/amphi/attendance.csv")

    async def read(login: str) -> set[str]:
        async with http.get(url, headers=await bearer(http, server, login)) as r:
            assert r.status == 200
            return {row.split(";")[0] for row in (await r.text()).splitlines()[1:]}

    assert await read("m.bernard") == {"Karim Bernard", "Léa M."}
    assert await read("mme.durand") == {"Claire Durand", "Léa M.", "Nathan R.", "Emma"}
    assert await read("m.leroy") == {"Claire Durand", "Karim Bernard", "Léa M.", "Nathan R.", "Emma"}
