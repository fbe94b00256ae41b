"""Guest invitations end to end: invite, lobby, admit all, restricted rights, revocation and expiry."""

from __future__ import annotations

import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.protocol.invitation import Admit, Dismiss, Lobby
from cybercollege.server.edge.services import Services
from cybercollege.server.guests.feature import Guests
from tests.server.conftest import Connect
from tests.server.test_world_flow import go_through, walk_to
from tests.server.waits import until


async def bearer(http: aiohttp.ClientSession, server: TestServer, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await fetch_demo_token(http, str(server.make_url('')).rstrip('/'), login)}"}


async def invite(http: aiohttp.ClientSession, server: TestServer, login: str = "mme.durand", **overrides: object):
    body = {
        "partner_school": "Gesamtschule Köln",
        "country": "Allemagne",
        "language": "de",
        "room": "amphi",
        "classes": ["4A"],
        "valid_until": time.time() + 3600,
        "max_guests": 3,
    }
    body.update(overrides)
    async with http.post(
        server.make_url("/api/invitations"), json=body, headers=await bearer(http, server, login)
    ) as r:
        return r.status, await r.json()


async def guest(http: aiohttp.ClientSession, server: TestServer, code: str, name: str) -> tuple[int, dict]:
    async with http.post(server.make_url("/auth/guest"), json={"code": code, "name": name}) as r:
        return r.status, await r.json()


def watch_lobby(conn: WorldConnection) -> list[Lobby]:
    """Collect the LOBBY messages a teacher's client receives."""
    seen: list[Lobby] = []
    apply = conn.mirror.apply

    def recording(msg: object) -> None:
        apply(msg)
        if isinstance(msg, Lobby):
            seen.append(msg)

    conn.mirror.apply = recording  # type: ignore[method-assign]
    return seen


def names(seen: list[Lobby]) -> list[str]:
    return sorted(g.name for g in seen[-1].waiting) if seen else []


async def wait_closed(conn: WorldConnection) -> int | None:
    """The close code, once the server has closed ``conn``."""
    await until(lambda: conn.closed, "the connection closed")
    return conn.close_code


async def test_guest_flow(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> None:
    lea = await connect("lea.martin")
    teacher = await connect("mme.durand")
    lobby = watch_lobby(teacher)
    status, created = await invite(http, server)
    assert status == 201, created
    code = created["code"]
    assert len(code) == 19 and created["link"].endswith(code)

    status, emma_login = await guest(http, server, code.lower().replace("-", " "), "Emma")
    assert status == 200, emma_login
    emma = await connect("", token=emma_login["access_token"])
    assert emma.mirror.room == "lobby"
    await emma.say("hallo?")
    await emma.wait_for(lambda m: any(e.code == ErrorCode.CHAT_FORBIDDEN for e in m.errors))
    _, jonas_login = await guest(http, server, code, "Jonas")
    jonas = await connect("", token=jonas_login["access_token"])
    await teacher.wait_for(lambda m: names(lobby) == ["Emma", "Jonas"])

    await teacher.send(Admit([]))  # admit everyone at once
    await emma.wait_for(lambda m: m.room == "amphi")
    await jonas.wait_for(lambda m: m.room == "amphi")
    await teacher.wait_for(lambda m: names(lobby) == [])

    # the invited class may now enter the amphitheatre; guests may not leave it
    await go_through(lea, services, "hall-amphi")
    assert lea.mirror.room == "amphi"
    door = services.world.spec.doors["hall-amphi"]
    lx, ly, _ = door.landing("amphi")
    await walk_to(emma, lx, ly)
    await emma.use_door("hall-amphi")
    await emma.wait_for(lambda m: any(e.code == ErrorCode.ACCESS_DENIED for e in m.errors))
    assert emma.mirror.room == "amphi"

    # no private messages between pupils and guests, either way
    await lea.wait_for(lambda m: emma.mirror.me in m.avatars)
    await emma.whisper(lea.mirror.me, "hi")
    await lea.whisper(emma.mirror.me, "salut")
    await emma.wait_for(lambda m: any(e.code == ErrorCode.CHAT_FORBIDDEN for e in m.errors[1:]))
    await lea.wait_for(lambda m: any(e.code == ErrorCode.CHAT_FORBIDDEN for e in m.errors))
    assert not [c for c in lea.mirror.chat if c.private] and not [c for c in emma.mirror.chat if c.private]

    # the teacher revokes: guests are removed at the next check (every second), the code stops working
    invitation_id = created["invitation"]["id"]
    async with http.delete(
        server.make_url(f"/api/invitations/{invitation_id}"), headers=await bearer(http, server, "mme.durand")
    ) as r:
        assert r.status == 200
    assert await wait_closed(emma) == CloseCode.REMOVED
    assert await wait_closed(jonas) == CloseCode.REMOVED
    status, body = await guest(http, server, code, "Lena")
    assert (status, body["error"]) == (410, "invitation_expired")
    with pytest.raises(ConnectionRefused) as refused:  # an old guest token does not bring anyone back
        await connect("", token=emma_login["access_token"])
    assert refused.value.code == ErrorCode.ACCESS_DENIED


async def test_pupil_is_refused_from_the_amphitheatre_without_a_conference(
    connect: Connect, services: Services
) -> None:
    lea = await connect("lea.martin")
    door = services.world.spec.doors["hall-amphi"]
    lx, ly, _ = door.landing("hall")
    await walk_to(lea, lx, ly)
    await lea.use_door("hall-amphi")
    await lea.wait_for(lambda m: m.errors)
    assert lea.mirror.errors[0].code == ErrorCode.ACCESS_DENIED and lea.mirror.room == "hall"


async def test_invitation_ends_at_its_time(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> None:
    teacher = await connect("mme.durand")
    lobby = watch_lobby(teacher)
    _, created = await invite(http, server)
    _, login = await guest(http, server, created["code"], "Aiko")
    aiko = await connect("", token=login["access_token"])
    await teacher.wait_for(lambda m: names(lobby) == ["Aiko"])
    await teacher.send(Admit([aiko.mirror.me]))
    await aiko.wait_for(lambda m: m.room == "amphi")
    book = services.world.features.get(Guests).book
    book.by_id[created["invitation"]["id"]].valid_until = time.time()  # its end has come
    assert await wait_closed(aiko) == CloseCode.REMOVED


async def test_teacher_dismisses_one_guest(server: TestServer, http: aiohttp.ClientSession, connect: Connect) -> None:
    teacher = await connect("mme.durand")
    lobby = watch_lobby(teacher)
    _, created = await invite(http, server)
    _, login = await guest(http, server, created["code"], "Marco")
    marco = await connect("", token=login["access_token"])
    await teacher.wait_for(lambda m: names(lobby) == ["Marco"])
    await teacher.send(Dismiss(marco.mirror.me))
    assert await wait_closed(marco) == CloseCode.REMOVED


@pytest.mark.parametrize(
    ("login", "overrides", "status", "error"),
    [
        ("lea.martin", {}, 403, "invitation_forbidden"),
        ("mme.durand", {"room": "hall"}, 400, "room_invalid"),
        ("mme.durand", {"room": "nowhere"}, 400, "room_invalid"),
        ("mme.durand", {"classes": ["6B"]}, 403, "classes_forbidden"),
        ("mme.durand", {"max_guests": 500}, 400, "invitation_guests_invalid"),
        ("mme.durand", {"valid_until": time.time() + 30 * 86400}, 400, "invitation_window_invalid"),
        ("mme.durand", {"partner_school": ""}, 400, "partner_school_invalid"),
    ],
)
async def test_bad_invitations_are_refused(
    server: TestServer, http: aiohttp.ClientSession, login: str, overrides: dict, status: int, error: str
) -> None:
    got_status, body = await invite(http, server, login, **overrides)
    assert (got_status, body["error"]) == (status, error)
    assert body["message"]


async def test_guest_login_errors(server: TestServer, http: aiohttp.ClientSession) -> None:
    _, created = await invite(http, server, max_guests=1)
    assert (await guest(http, server, "AAAA-BBBB-CCCC-DDDD", "Emma"))[1]["error"] == "invitation_unknown"
    assert (await guest(http, server, created["code"], "x1 <script>"))[1]["error"] == "guest_name_invalid"
    assert (await guest(http, server, created["code"], "Emma"))[0] == 200
    assert (await guest(http, server, created["code"], "Paul"))[1]["error"] == "invitation_full"
    async with http.post(server.make_url("/api/invitations"), json={}) as r:
        assert r.status == 401


async def test_guest_codes_cannot_be_brute_forced(server: TestServer, http: aiohttp.ClientSession) -> None:
    statuses = [(await guest(http, server, f"AAAA-BBBB-CCCC-{i:04d}", "Emma"))[0] for i in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429


async def test_invite_link_page(server: TestServer, http: aiohttp.ClientSession) -> None:
    async with http.get(server.make_url("/invite/abcd-efgh-jkmn-pqrs")) as r:  # a made-up code is refused
        assert r.status == 404 and "ABCD-EFGH-JKMN-PQRS" in await r.text()
    _, created = await invite(http, server)
    async with http.get(server.make_url(f"/invite/{created['code'].lower()}")) as r:
        assert r.status == 200 and created["code"] in await r.text()  # more in tests/server/test_guest_page.py


async def test_invitations_survive_a_restart(tmp_path, http: aiohttp.ClientSession) -> None:
    from cybercollege.server.edge.app import build
    from tests.server.conftest import make_settings

    settings = make_settings(tmp_path)
    first = TestServer(build(settings), host="127.0.0.1")
    await first.start_server()
    _, created = await invite(http, first, max_guests=2)
    assert (await guest(http, first, created["code"], "Emma"))[0] == 200
    await first.close()
    second = TestServer(build(settings), host="127.0.0.1")
    await second.start_server()
    try:
        async with http.get(second.make_url("/api/invitations"), headers=await bearer(http, second, "mme.durand")) as r:
            listed = (await r.json())["invitations"]
        assert [(i["id"], i["guests"]) for i in listed] == [(created["invitation"]["id"], 1)]
        assert (await guest(http, second, created["code"], "Paul"))[0] == 200  # the code still works
        assert (await guest(http, second, created["code"], "Lena"))[1]["error"] == "invitation_full"
    finally:
        await second.close()


async def test_a_colleague_neither_lists_nor_revokes_my_invitations_but_staff_do(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    _, made = await invite(http, server)  # Mme Durand's
    mine = made["invitation"]["id"]

    async def listed(login: str) -> list[str]:
        async with http.get(server.make_url("/api/invitations"), headers=await bearer(http, server, login)) as r:
            return [i["id"] for i in (await r.json())["invitations"]]

    async def revoke(login: str) -> int:
        url = server.make_url(f"/api/invitations/{mine}")
        async with http.delete(url, headers=await bearer(http, server, login)) as r:
            return r.status

    assert mine in await listed("mme.durand")
    assert mine not in await listed("m.bernard")  # a teacher of the same school
    assert await revoke("m.bernard") == 404
    assert mine in await listed("m.leroy")  # the school's staff
    assert await revoke("m.leroy") == 200


async def test_a_teacher_has_at_most_fifty_open_invitations(server: TestServer, http: aiohttp.ClientSession) -> None:
    from cybercollege.server.guests.invitation import MAX_OPEN_PER_TEACHER

    for _ in range(MAX_OPEN_PER_TEACHER):
        assert (await invite(http, server))[0] == 201
    status, body = await invite(http, server)
    assert (status, body["error"]) == (409, "invitation_too_many") and "révoquez" in body["message"]
    assert (await invite(http, server, "m.bernard"))[0] == 201  # a colleague's are her own
