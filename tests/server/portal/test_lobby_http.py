"""« Salle d'attente » over HTTP: who waits (name · school), admit and send back with CSRF forms, the audit, who may
(the owner and the school's staff), and the live list over server-sent events (one stream per session, heartbeats,
closed at sign-out)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp.test_utils import TestClient

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import CloseCode
from cybercollege.server.portal.app import PORTAL
from tests.server.portal.test_invitations_http import audits, form
from tests.server.portal.test_portal_http import client, csrf_of, sign_in
from tests.server.waits import HANG, until

__all__ = ["client"]


async def invited(client: TestClient) -> tuple[str, str]:
    """Mme Durand (signed in) invites Gymnasium Köln into the amphitheatre: the code and her page's CSRF token."""
    text = await (await sign_in(client, "mme.durand")).text()
    shown = await (await client.post("/portal/invitations/new", data=form(csrf_of(text)))).text()
    code = re.search(r'id="invitation-code">([A-Z0-9-]+)<', shown)
    assert code is not None
    return code.group(1), csrf_of(shown)


@asynccontextmanager
async def guest(client: TestClient, code: str, name: str) -> AsyncIterator[WorldConnection]:
    """A guest of ``code`` connected to the world: she waits in the lobby."""
    async with aiohttp.ClientSession() as http:
        async with http.post(client.make_url("/auth/guest"), json={"code": code, "name": name}) as answer:
            assert answer.status == 200, await answer.text()
            token = (await answer.json())["access_token"]
        conn = WorldConnection(http, str(client.make_url("")), token)
        await conn.connect()
        await conn.wait_for(lambda m: m.room == "lobby")
        try:
            yield conn
        finally:
            await conn.close()


async def events(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The server-sent events of ``response``, one block at a time (a heartbeat is a block too)."""
    while True:
        async with asyncio.timeout(HANG):
            block = await response.content.readuntil(b"\n\n")
        yield block.decode()


async def test_she_sees_who_waits_and_admits_her(client: TestClient) -> None:
    code, csrf = await invited(client)
    async with guest(client, code, "Emma") as emma:
        rooms = await (await client.get("/portal/lobby")).text()
        assert 'href="/portal/lobby/amphi"' in rooms and "Amphithéâtre — Gymnasium Köln (1 en attente)" in rooms
        page = await client.get("/portal/lobby/amphi")
        text = await page.text()
        assert page.status == 200 and "Emma · Gymnasium Köln" in text
        assert 'action="/portal/lobby/amphi/admit"' in text and 'action="/portal/lobby/amphi/dismiss"' in text
        assert '<script src="/portal/static/lobby.js' in text and "<script>" not in text
        me = str(emma.mirror.me)
        refused = await client.post("/portal/lobby/amphi/admit", data={"guest": me})
        assert refused.status == 403 and emma.mirror.room == "lobby"  # no CSRF token, nothing done

        admitted = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf, "guest": me})
        assert admitted.status == 200 and admitted.url.query.get("done") == "admitted"
        assert "Admis : l'invité est dans la salle." in (await admitted.text()).replace("&#39;", "'")
        await emma.wait_for(lambda m: m.room == "amphi")
        assert "Personne n'attend" in (await (await client.get("/portal/lobby/amphi")).text()).replace("&#39;", "'")
        again = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf, "guest": me})
        assert again.url.query.get("done") == "gone"  # already in: nothing to do twice
    events = await audits(client, "demo:mme.durand")
    assert [(e.event, e.room_id, e.detail) for e in events if e.event == "portal_admit"] == [
        ("portal_admit", "amphi", "Emma · Gymnasium Köln")
    ]


async def test_she_sends_back_someone_she_did_not_expect(client: TestClient) -> None:
    code, csrf = await invited(client)
    async with guest(client, code, "Tom") as tom, guest(client, code, "Mia") as mia:
        sent = await client.post("/portal/lobby/amphi/dismiss", data={"csrf": csrf, "guest": str(tom.mirror.me)})
        assert sent.status == 200 and sent.url.query.get("done") == "sent_back"
        await until(lambda: tom.closed, "the guest sent back")
        assert tom.close_code == CloseCode.REMOVED and mia.mirror.room == "lobby"
        text = await (await client.get("/portal/lobby/amphi")).text()
        assert "Mia · Gymnasium Köln" in text and "Tom" not in text
        for bad in ("abc", "", "1" * 11):
            answer = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf, "guest": bad})
            assert answer.status == 400 and "Demande incomplète" in await answer.text()
        unknown = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf, "guest": "999999"})
        assert unknown.url.query.get("done") == "gone"
        everyone = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf, "all": "1"})
        assert everyone.url.query.get("done") == "admitted"
        await mia.wait_for(lambda m: m.room == "amphi")
    assert any(e.event == "portal_send_back" and "Tom" in e.detail for e in await audits(client, "demo:mme.durand"))


async def test_only_the_owner_and_the_school_staff_admit(client: TestClient) -> None:
    code, _ = await invited(client)
    async with guest(client, code, "Emma") as emma:
        me = str(emma.mirror.me)
        client.session.cookie_jar.clear()
        text = await (await sign_in(client, "m.bernard")).text()  # a colleague: not his invitation
        assert "Aucune de vos invitations n'est ouverte" in (await (await client.get("/portal/lobby")).text()).replace(
            "&#39;", "'"
        )
        assert (await client.get("/portal/lobby/amphi")).status == 404
        answer = await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf_of(text), "guest": me})
        assert answer.status == 404 and emma.mirror.room == "lobby"
        assert (await client.get("/portal/lobby/amphi/events")).status == 404
        client.session.cookie_jar.clear()
        await sign_in(client, "lea.martin")
        assert (await client.get("/portal/lobby/amphi")).status == 403
        assert (await client.get("/portal/lobby/amphi/events")).status == 403
        client.session.cookie_jar.clear()
        text = await (await sign_in(client, "m.leroy")).text()  # the school's staff
        assert "Emma · Gymnasium Köln" in await (await client.get("/portal/lobby/amphi")).text()
        await client.post("/portal/lobby/amphi/admit", data={"csrf": csrf_of(text), "guest": me})
        await emma.wait_for(lambda m: m.room == "amphi")
    assert (await client.get("/portal/lobby/salle-103")).status == 404  # no invitation for that room


async def test_the_list_comes_live_one_stream_a_session_with_heartbeats(client: TestClient) -> None:
    code, csrf = await invited(client)
    streams = client.server.app[PORTAL].streams
    first = await client.get("/portal/lobby/amphi/events")
    assert first.status == 200 and first.content_type == "text/event-stream"
    assert first.headers["Cache-Control"] == "no-store" and "default-src 'self'" in first.headers[
        "Content-Security-Policy"]  # fmt: skip
    received = events(first)
    assert (await anext(received)).startswith("retry: ")
    opening = await anext(received)
    assert opening.startswith("event: lobby\n") and "Personne n'attend" in opening.replace("&#39;", "'")
    async with guest(client, code, "Emma"):
        arrival = await anext(received)
        assert "data: " in arrival and "Emma · Gymnasium Köln" in arrival and f'value="{csrf}"' in arrival
    left = await anext(received)
    assert "Emma" not in left  # she left the lobby: the list says so

    streams.heartbeat = 0.01  # idle streams send a comment line, which finds dead connections
    for stream in streams.by_session.values():
        stream.poke()  # (nothing changed: no event, then the wait with the new heartbeat)
    assert await anext(received) == ": heartbeat\n\n"
    streams.heartbeat = 15.0
    second = await client.get("/portal/lobby/amphi/events")  # a reload: the same session's first stream ends
    assert second.status == 200
    async with asyncio.timeout(HANG):
        assert await first.content.read() == b"" or first.content.at_eof()
    assert len(streams.by_session) == 1

    await client.post("/portal/signout", data={"csrf": csrf})  # signing out ends it at once
    async with asyncio.timeout(HANG):
        await second.content.read()
    assert streams.by_session == {}


async def test_the_server_shutting_down_ends_the_streams(client: TestClient) -> None:
    await invited(client)
    stream = await client.get("/portal/lobby/amphi/events")
    assert stream.status == 200
    await client.server.app.shutdown()  # what the server does first when it stops (its on_shutdown hooks)
    async with asyncio.timeout(HANG):
        await stream.content.read()
    assert client.server.app[PORTAL].streams.by_session == {}


async def test_a_full_server_refuses_more_streams_with_a_page(client: TestClient) -> None:
    await invited(client)
    client.server.app[PORTAL].streams.limit = 0
    answer = await client.get("/portal/lobby/amphi/events")
    assert answer.status == 503 and "Serveur occupé" in await answer.text()


async def test_a_guest_is_admitted_from_her_own_room_s_lobby_only(client: TestClient) -> None:
    code, csrf = await invited(client)  # into the amphitheatre
    other = await client.post("/portal/invitations/new", data=form(csrf, room="salle-103"))
    assert other.status == 200 and "Salle 103" in await other.text()
    async with guest(client, code, "Emma") as emma:
        wrong = await client.post("/portal/lobby/salle-103/admit", data={"csrf": csrf, "guest": str(emma.mirror.me)})
        assert wrong.url.query.get("done") == "gone" and emma.mirror.room == "lobby"
        assert "Emma" not in await (await client.get("/portal/lobby/salle-103")).text()
