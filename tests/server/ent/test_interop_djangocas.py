"""Interop with a second CAS 3 server, django-cas-server: from its real login form, in Chromium, to our identity.

django-cas-server releases ``ENTPersonProfils`` packed with ``;`` and the classes as repeated elements
(tests/idp/djangocas.py); each person of tests/idp/people.py must come out as its expected identity.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.tokens import TokenService
from tests.idp import djangocas
from tests.idp.chromium import chromium
from tests.idp.people import PARENT, PUPIL, STAFF, TEACHER, Person

from .conftest import start_server
from .flows import LOOPBACK, assert_identity, redeem, start_url


@pytest.fixture(scope="module")
def djcas(tmp_path_factory: pytest.TempPathFactory, sp_url: str) -> Iterator[djangocas.Running]:
    """A running django-cas-server for the module; fails (never skips) when it is not installed."""
    try:
        running = djangocas.start(tmp_path_factory.mktemp("djcas"), sp_url)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()


@pytest.fixture
async def djcas_sp(
    djcas: djangocas.Running, sp_port: int, sp_url: str, tokens: TokenService, logouts
) -> AsyncIterator[web.Application]:
    """Our login server with django-cas-server as its only ENT, listening on ``sp_url``."""
    app = web.Application()
    setup_ent(app, [djcas.ent], tokens, public_url=sp_url, demo=None, on_logout=logouts)
    server = await start_server(app, sp_port)
    yield app
    await server.close()


async def browser_login(sp_url: str, person: Person) -> tuple[str, str, int, str]:
    """Chromium from our ENT list to the end: ``(loopback URL or "", verifier, last status, page text)``."""
    started = start_url(sp_url)
    landed: list[str] = []

    async def loopback(route) -> None:
        landed.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html", body="<p>Retour à l'application.</p>")

    async with chromium() as ctx:
        page = await ctx.new_page()
        await page.route(lambda url: url.startswith(LOOPBACK), loopback)
        await page.goto(started.url)
        await page.get_by_role("link", name=f"Se connecter avec {djangocas.ENT_NAME}").click()
        async with page.expect_response(lambda r: r.url.startswith(f"{sp_url}/auth/cas/djcas/callback")) as callback:
            await djangocas.sign_in(page, person)
        status = (await callback.value).status
        if status in (301, 302, 303, 307):
            await page.wait_for_url(lambda url: url.startswith(LOOPBACK))
        else:
            await page.wait_for_load_state()
        text = await page.inner_text("body")
    return (landed[-1] if landed else "", started.verifier, status, text)


@pytest.mark.parametrize("person", [TEACHER, PUPIL, STAFF], ids=lambda p: p.login)
async def test_login_form_to_identity(
    djcas_sp: web.Application, djcas: djangocas.Running, sp_url: str, tokens: TokenService, person: Person
) -> None:
    final, verifier, status, text = await browser_login(sp_url, person)
    assert final, f"no redirect to the client (HTTP {status}): {text}\n{djcas.log()[-2000:]}"
    query = parse_qs(urlsplit(final).query)
    assert query["state"] == ["client-state-1"]
    code_status, body = await redeem(sp_url, query["code"][0], verifier)
    assert code_status == 200, body
    identity, _sid = tokens.verify(body["access_token"])
    assert_identity(identity, person, "djcas")


async def test_parent_is_refused_in_french(djcas_sp: web.Application, sp_url: str) -> None:
    final, _verifier, status, text = await browser_login(sp_url, PARENT)
    assert (final, status) == ("", 403)
    assert "parents" in text
