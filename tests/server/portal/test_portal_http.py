"""The portal over HTTP in demo mode: sign-in through the login flow, the pages, roles and schools, CSRF, cookies,
languages, and the JSON API reached with the portal's cookie session."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent.demo import DEMO_DIRECTORY
from cybercollege.server.auth.ent.endpoint import LOGIN_SERVICE
from cybercollege.server.edge.app import build
from cybercollege.server.portal.app import PORTAL
from cybercollege.server.portal.session import COOKIE
from tests.idp.lemonldap import free_port
from tests.server.conftest import make_settings

OTHER_UAI = "0150042X"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    port = free_port()  # the login flow redirects to the public URL: the server must answer at it
    app = build(make_settings(tmp_path, port=port))
    directory = app[DEMO_DIRECTORY]
    other = replace(directory.users["mme.durand"], user_id="demo:mme.autre", display_name="Anne Autre",
                    school_uai=OTHER_UAI)  # fmt: skip  (a teacher of 4A... in another school)
    users = directory.users | {"mme.autre": other}
    app[DEMO_DIRECTORY] = DemoDirectory(directory.school_uai, directory.school_name, users)
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def sign_in(client: TestClient, login: str, headers: dict[str, str] | None = None) -> ClientResponse:
    """The demo button of the sign-in page, the demo picker's form, and back to the portal."""
    picker = await client.get("/portal/signin/start?demo=1", headers=headers)
    assert picker.status == 200 and "/auth/demo/pick" in str(picker.url)
    req = re.search(r'name="req" value="([^"]+)"', await picker.text())
    assert req is not None
    return await client.post("/auth/demo/pick", data={"req": req.group(1), "login": login}, headers=headers)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field in the page"
    return found.group(1)


def session_of(client: TestClient):
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/")).get(COOKIE)
    assert cookie is not None
    return client.server.app[PORTAL].store._kinds[True].get(cookie.value)


async def test_the_home_page_is_a_page_with_the_three_ways_in(client: TestClient) -> None:
    response = await client.get("/")
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="fr">' in text and "Collège Jean Moulin" in text
    assert 'href="/portal/"' in text and 'action="/portal/invite"' in text and "cybercollege client --url" in text
    assert "<script" not in text and "style=" not in text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    health = await client.get("/health")
    assert (await health.json())["status"] == "ok"  # machines keep their JSON
    code = await client.get("/portal/invite?code=abcd efgh", allow_redirects=False)
    assert code.headers["Location"] == "/invite/ABCD-EFGH"


async def test_the_sign_in_page_offers_the_demo_accounts(client: TestClient) -> None:
    text = await (await client.get("/portal/")).text()
    assert "Choisir un compte de démonstration" in text and 'href="/portal/signin/start?demo=1"' in text


async def test_a_teacher_signs_in_sees_her_classes_and_signs_out(client: TestClient) -> None:
    before = (await client.get("/portal/")).cookies[COOKIE].value
    landed = await sign_in(client, "mme.durand")
    assert landed.status == 200 and landed.url.path == "/portal/classes"
    text = await landed.text()
    assert "Mes classes" in text and "Claire Durand" in text
    for name in ("Classe 6A", "Classe 5B", "Classe 4A", "Classe 3C", "Salle 103 – Anglais"):
        assert name in text
    assert 'href="/api/rooms/salle-103/attendance.csv?lang=fr"' in text
    assert 'href="/api/boards/tableau-103/export.pdf"' in text
    session = session_of(client)
    assert session is not None and session.id != before  # a new id once signed in (no fixation)
    done = next(r for r in landed.history if r.url.path == "/portal/signin/done")
    (set_cookie,) = [c for c in done.headers.getall("Set-Cookie") if c.startswith(f"{COOKIE}=")]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain http on 127.0.0.1 (tests, dev.py run); Secure everywhere else

    csv = await client.get("/api/rooms/salle-103/attendance.csv")  # the API with the cookie, no bearer token
    assert csv.status == 200 and "arrivée" in await csv.text()

    out = await client.post("/portal/signout", data={"csrf": csrf_of(text)})
    assert out.status == 200 and "déconnecté" in await out.text()
    service = client.server.app[LOGIN_SERVICE]
    assert service.sessions.get(session.sid) is None and service.tokens.is_revoked(session.sid)
    again = await client.get("/portal/classes", allow_redirects=False)
    assert again.status == 302 and again.headers["Location"] == "/portal/"
    assert (await client.get("/api/rooms/salle-103/attendance.csv")).status == 401


async def test_a_pupil_gets_403_on_every_teacher_page(client: TestClient) -> None:
    landed = await sign_in(client, "lea.martin")
    assert landed.status == 403 and "Réservé aux personnels" in await landed.text()
    for path in ("/portal/classes", "/portal/invitations"):
        response = await client.get(path)
        assert response.status == 403 and "Réservé aux personnels" in await response.text()
    assert (await client.get("/api/rooms/salle-103/attendance.csv")).status == 401  # her cookie opens no API


async def test_a_teacher_of_another_school_sees_nothing_of_this_one(client: TestClient) -> None:
    landed = await sign_in(client, "mme.autre")
    text = await landed.text()
    assert landed.status == 403 and "autre établissement" in text and "Salle 103" not in text
    assert "« Collège Jean Moulin »" in text and "<h1>Connexion impossible</h1>" in text
    assert '<header class="top">' in text  # the portal's layout: its header, and its link back
    assert 'href="/portal/"' in text and "Retour au portail" in text
    assert landed.headers["Content-Security-Policy"].startswith("default-src 'self'")
    classes = await client.get("/portal/classes")  # her sign-in was refused: no session, the sign-in page
    assert classes.url.path == "/portal/" and "Salle 103" not in await classes.text()
    assert (await client.get("/api/rooms/salle-103/attendance.csv")).status == 401


async def test_another_school_is_refused_in_her_language(client: TestClient) -> None:
    landed = await sign_in(client, "mme.autre", headers={"Accept-Language": "de"})
    text = await landed.text()
    assert landed.status == 403 and "<h1>Anmeldung nicht möglich</h1>" in text and 'lang="de"' in text
    assert "Ihr ENT-Konto gehört zu einer anderen Schule" in text and "Zurück zum Portal" in text


async def test_a_post_without_its_csrf_token_is_refused(client: TestClient) -> None:
    text = await (await sign_in(client, "mme.durand")).text()
    for data in ({}, {"csrf": "forged"}):
        refused = await client.post("/portal/signout", data=data)
        assert refused.status == 403 and "Demande refusée" in await refused.text()
    assert session_of(client) is not None  # still signed in
    body = {"room": "salle-103", "partner_school": "Gymnasium Köln", "country": "Allemagne", "language": "de",
            "classes": ["4A"], "valid_until": time.time() + 3600}  # fmt: skip
    api = await client.post("/api/invitations", json=body)
    assert api.status == 403 and (await api.json())["error"] == "csrf_refused"
    created = await client.post("/api/invitations", json=body, headers={"X-CSRF-Token": csrf_of(text)})
    assert created.status == 201


async def test_invitations_are_listed_and_revoked_with_a_form(client: TestClient) -> None:
    text = await (await sign_in(client, "mme.durand")).text()
    body = {"room": "salle-103", "partner_school": "Gymnasium Köln", "country": "Allemagne", "language": "de",
            "classes": ["4A"], "valid_until": time.time() + 3600}  # fmt: skip
    created = await client.post("/api/invitations", json=body, headers={"X-CSRF-Token": csrf_of(text)})
    invitation = (await created.json())["invitation"]["id"]
    page = await (await client.get("/portal/invitations")).text()
    assert "Gymnasium Köln" in page and "en cours" in page and f"/portal/invitations/{invitation}/revoke" in page
    revoked = await client.post(f"/portal/invitations/{invitation}/revoke", data={"csrf": csrf_of(page)})
    assert revoked.status == 200 and "révoquée" in await revoked.text()
    assert client.server.app[PORTAL].guests.book.by_id[invitation].revoked
    unknown = await client.post("/portal/invitations/nope/revoke", data={"csrf": csrf_of(page)})
    assert unknown.status == 404


async def test_the_language_follows_the_browser_then_the_switch(client: TestClient) -> None:
    german = await client.get("/portal/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in await german.text() and german.headers["Content-Language"] == "de"
    switched = await client.get("/portal/language/it?next=/portal/", headers={"Accept-Language": "de"})
    assert '<html lang="it">' in await switched.text()
    away = await client.get("/portal/language/es?next=//evil.example", allow_redirects=False)
    assert away.headers["Location"] == "/"  # no open redirect


async def test_a_login_that_ends_elsewhere_ends_the_portal_session(client: TestClient) -> None:
    await sign_in(client, "mme.durand")
    session = session_of(client)
    await client.server.app[LOGIN_SERVICE].end_session(session.sid, "single_logout:test")  # e.g. the ENT's SLO
    response = await client.get("/portal/classes", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/portal/"


async def test_a_completion_without_its_state_is_refused(client: TestClient) -> None:
    await client.get("/portal/signin/start?demo=1")
    response = await client.get("/portal/signin/done?code=x&state=forged")
    assert response.status == 400 and "Connexion impossible" in await response.text()
