"""The browser guest page and the invitation check: what a guest sees before typing a name."""

from __future__ import annotations

import json
import re
import time

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.feature import Guests
from cybercollege.server.guests.page import LOCALE_DIR, language_of, web_strings
from tests.server.test_invitation import bearer, guest, invite


async def check(http: aiohttp.ClientSession, server: TestServer, code: object) -> tuple[int, dict]:
    server.app[SERVICES].world.features.get(Guests).attempts.clear()  # each test request is a fresh address
    async with http.post(server.make_url("/auth/guest/check"), json={"code": code}) as r:
        return r.status, await r.json()


async def page(http: aiohttp.ClientSession, server: TestServer, code: str, accept: str = "") -> tuple[int, str]:
    server.app[SERVICES].world.features.get(Guests).attempts.clear()
    headers = {"Accept-Language": accept} if accept else {}
    async with http.get(server.make_url(f"/invite/{code}"), headers=headers) as r:
        return r.status, await r.text()


def boot(text: str) -> dict:
    """The JSON the page hands its script."""
    match = re.search(r'<script id="boot" type="application/json">(.*?)</script>', text, re.S)
    assert match, text[:500]
    return json.loads(match.group(1))


async def revoke(http: aiohttp.ClientSession, server: TestServer, invitation_id: str) -> None:
    url = server.make_url(f"/api/invitations/{invitation_id}")
    async with http.delete(url, headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 200


async def test_check_a_valid_code_typed_any_way(server: TestServer, http: aiohttp.ClientSession) -> None:
    status, created = await invite(http, server)
    assert status == 201, created
    code = created["code"]
    for typed in (code, code.replace("-", ""), code.lower(), " ".join(code.replace("-", "")), code.replace("-", " - ")):
        status, body = await check(http, server, typed)
        assert status == 200, (typed, body)
        assert body["language"] == "de" and body["partner_school"] == "Gesamtschule Köln"
        assert body["room"] == "amphi" and body["room_name"]
        assert body["school"]  # the demo directory's school
        assert body["valid_from"] <= time.time() < body["valid_until"]
    # checking does not use up a place
    assert (await guest(http, server, code, "Emma"))[0] == 200


async def test_check_refusals_have_stable_codes(server: TestServer, http: aiohttp.ClientSession) -> None:
    status, body = await check(http, server, "ABCD-EFGH-JKMN-PQRS")
    assert (status, body["error"]) == (404, "invitation_unknown")
    for bad in ("", "x" * 65, 12, None):
        status, body = await check(http, server, bad)
        assert (status, body["error"]) == (400, "guest_invalid"), bad
    async with http.post(server.make_url("/auth/guest/check"), data=b"{not json") as r:
        assert (r.status, (await r.json())["error"]) == (400, "bad_json")

    _, later = await invite(http, server, valid_from=time.time() + 3600, valid_until=time.time() + 7200)
    status, body = await check(http, server, later["code"])
    assert (status, body["error"]) == (409, "invitation_not_yet")

    _, revoked = await invite(http, server)
    await revoke(http, server, revoked["invitation"]["id"])
    status, body = await check(http, server, revoked["code"])
    assert (status, body["error"]) == (410, "invitation_expired")

    _, full = await invite(http, server, max_guests=1)
    assert (await guest(http, server, full["code"], "Emma"))[0] == 200
    status, body = await check(http, server, full["code"])
    assert (status, body["error"]) == (409, "invitation_full")


async def test_check_expired(server: TestServer, http: aiohttp.ClientSession) -> None:
    _, created = await invite(http, server)
    book = server.app[SERVICES].world.features.get(Guests).book
    invitation = book.by_id[created["invitation"]["id"]]
    invitation.valid_until = time.time() - 1
    status, body = await check(http, server, created["code"])
    assert (status, body["error"]) == (410, "invitation_expired")
    status, text = await page(http, server, created["code"])
    assert status == 410 and '<html lang="de">' in text  # said in the invitation's language
    assert web_strings("de")["web.error.invitation_expired"] in text
    assert 'id="name-step" data-testid="name-step" hidden' in text


async def test_check_shares_the_guest_login_bucket(server: TestServer, http: aiohttp.ClientSession) -> None:
    server.app[SERVICES].world.features.get(Guests).attempts.clear()
    statuses = []
    for _ in range(12):
        async with http.post(server.make_url("/auth/guest/check"), json={"code": "ABCD"}) as r:
            statuses.append(r.status)
    assert statuses.count(404) == 10 and statuses[-1] == 429
    async with http.post(server.make_url("/auth/guest"), json={"code": "ABCD", "name": "Emma"}) as r:
        assert (r.status, (await r.json())["error"]) == (429, "too_many_attempts")
    async with http.get(server.make_url("/invite/ABCD")) as r:
        assert r.status == 429 and "too_many_attempts" in await r.text()


async def test_page_in_the_invitations_language(server: TestServer, http: aiohttp.ClientSession) -> None:
    _, created = await invite(http, server)  # language "de"
    status, text = await page(http, server, created["code"], accept="fr-FR,fr;q=0.9")
    assert status == 200
    de = web_strings("de")
    assert '<html lang="de">' in text and f"<title>{de['web.title']}</title>" in text
    assert de["web.name_label"].replace("'", "&#x27;") in text and de["web.join"] in text
    assert "Einladung" in text and "Invitation au" not in text
    data = boot(text)
    assert data["lang"] == "de" and data["error"] is None and data["code"] == created["code"]
    assert data["invitation"]["partner_school"] == "Gesamtschule Köln"
    assert data["strings"]["web.lobby_wait"] == de["web.lobby_wait"]
    assert 'id="name-step" data-testid="name-step" >' in text  # the name form is shown
    assert 'id="error-step" data-testid="error-step" hidden' in text
    async with http.get(server.make_url(f"/invite/{created['code']}")) as r:
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Referrer-Policy"] == "no-referrer"
    # the code as typed in a link with lower case and no dashes works too
    status, text = await page(http, server, created["code"].replace("-", "").lower())
    assert status == 200 and boot(text)["code"] == created["code"]


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("it-IT,it;q=0.9,en;q=0.8", "it"), ("ja,es;q=0.5,en;q=0.7", "en"), ("", "fr"), ("pt-BR", "fr"), ("de", "de")],
)
async def test_unknown_code_in_the_browsers_language(
    server: TestServer, http: aiohttp.ClientSession, accept: str, lang: str
) -> None:
    status, text = await page(http, server, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", accept=accept)
    assert status == 404
    assert f'<html lang="{lang}">' in text
    assert web_strings(lang)["web.error.invitation_unknown"].replace("'", "&#x27;") in text
    assert 'id="name-step" data-testid="name-step" hidden' in text and boot(text)["error"] == "invitation_unknown"


async def test_page_refusals_in_the_invitations_language(server: TestServer, http: aiohttp.ClientSession) -> None:
    _, later = await invite(http, server, language="es", valid_from=time.time() + 3600, valid_until=time.time() + 7200)
    status, text = await page(http, server, later["code"], accept="de")
    assert status == 409 and '<html lang="es">' in text
    assert web_strings("es")["web.error.invitation_not_yet"] in text

    _, revoked = await invite(http, server, language="Italiano")
    await revoke(http, server, revoked["invitation"]["id"])
    status, text = await page(http, server, revoked["code"])
    assert status == 410 and '<html lang="it">' in text

    _, full = await invite(http, server, language="en-GB", max_guests=1)
    assert (await guest(http, server, full["code"], "Emma"))[0] == 200
    status, text = await page(http, server, full["code"])
    assert status == 409 and '<html lang="en">' in text and web_strings("en")["web.error.invitation_full"] in text


@pytest.mark.parametrize(
    "path",
    ["/invite/" + "A" * 500, "/invite/%00%01", "/invite/<script>alert(1)</script>", "/invite/%E2%80%AE", "/invite/a b"],
)
async def test_no_500_on_strange_links(server: TestServer, http: aiohttp.ClientSession, path: str) -> None:
    server.app[SERVICES].world.features.get(Guests).attempts.clear()
    async with http.get(server.make_url(path)) as r:
        text = await r.text()
        assert r.status == 404, text[:300]
        assert "<script>alert" not in text


async def test_static_files(server: TestServer, http: aiohttp.ClientSession) -> None:
    for name, kind in (("app.js", "javascript"), ("style.css", "css"), ("msgpack.min.js", "javascript")):
        async with http.get(server.make_url(f"/guest/{name}")) as r:
            assert r.status == 200 and kind in r.content_type, name
    async with http.get(server.make_url("/guest/../invitation.py")) as r:
        assert r.status in (403, 404)


def test_language_choice() -> None:
    assert language_of("de", "fr") == "de"
    assert language_of("Deutsch", "") == "de"
    assert language_of("allemand", "") == "de"
    assert language_of("pt", "es-ES;q=0.4, it;q=0.8") == "it"
    assert language_of(None, "en;q=0, es") == "es"
    assert language_of(None, "en;q=1.2.3") == "fr"  # an unreadable weight counts as 0
    assert language_of("", "*") == "fr"


def test_every_catalogue_has_every_page_string() -> None:
    reference = set(web_strings("fr"))
    assert len(reference) > 50
    for lang in ("en", "de", "es", "it"):
        own = {k for k in json.loads((LOCALE_DIR / f"{lang}.json").read_text("utf-8")) if k.startswith("web.")}
        assert own == reference, (lang, reference ^ own)
