"""Interop with a second, independent OpenID Connect provider: panva's oidc-provider (OpenID Certified).

Real Chromium, real login form on the provider, our real login server: from ``/auth/desktop/start`` to the
identity carried by our access token. The provider releases SDET claims in its own shapes (profiles as a JSON
array, classes packed into one string with ``"; "``) at its userinfo endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web

from cybercollege.server.auth.ent.config import OidcConfig
from cybercollege.server.auth.ent.routes import LOGIN_SERVICE, setup_ent
from cybercollege.server.auth.tokens import TokenService
from tests.idp import oidc_provider
from tests.idp.chromium import chromium
from tests.idp.people import PARENT, PUPIL, STAFF, TEACHER, Person

from . import flows
from .conftest import LogoutRecorder, start_server

if TYPE_CHECKING:
    from playwright.async_api import Response


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory, sp_url: str) -> Iterator[oidc_provider.Running]:
    """The provider, for the whole module; fails (never skips) without Node.js."""
    try:
        running = oidc_provider.start(tmp_path_factory.mktemp("oidc-provider"), sp_url)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()


@asynccontextmanager
async def login_server(ent: OidcConfig, port: int, url: str, tokens: TokenService) -> AsyncIterator[web.Application]:
    """Our login server with ``ent`` only, on ``url`` (like the ``sp`` fixture of conftest.py)."""
    app = web.Application()
    setup_ent(app, [ent], tokens, public_url=url, demo=None, on_logout=LogoutRecorder())
    server = await start_server(app, port)
    try:
        yield app
    finally:
        await server.close()


@pytest.fixture
async def sp_app(
    op: oidc_provider.Running, sp_port: int, sp_url: str, tokens: TokenService
) -> AsyncIterator[web.Application]:
    async with login_server(op.ent, sp_port, sp_url, tokens) as app:
        yield app


@dataclass
class Outcome:
    """Where the browser ended: the loopback URL it was sent to (if any), the last page's status and text."""

    verifier: str
    loopback: str | None = None
    status: int = 0
    text: str = ""
    pages: list[str] = field(default_factory=list)

    def query(self) -> dict[str, str]:
        assert self.loopback, f"never sent to the loopback; pages: {self.pages}\n{self.text[:500]}"
        return dict(parse_qsl(urlsplit(self.loopback).query))


@asynccontextmanager
async def loopback() -> AsyncIterator[tuple[str, list[str]]]:
    """A loopback listener like the desktop client's (client/login.py): its redirect URI, the URLs it got.

    Not ``page.route(LOOPBACK + "*")``: Playwright never routes the target of a redirect (microsoft/playwright#2617),
    and our server reaches the loopback by a 302.
    """
    got: list[str] = []

    async def callback(request: web.Request) -> web.Response:
        got.append(str(request.url))
        return web.Response(text="<p>Retour dans l'application.</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/cb", callback)
    server = await start_server(app)
    try:
        yield f"http://127.0.0.1:{server.port}/cb", got
    finally:
        await server.close()


async def browser_login(sp_url: str, op: oidc_provider.Running, person: Person, password: str | None = None) -> Outcome:
    """The desktop login in Chromium: our ENT list, the provider's form, back to us, then the loopback."""
    async with loopback() as (redirect_uri, got), chromium() as ctx:
        started = flows.start_url(sp_url, redirect_uri=redirect_uri)
        outcome = Outcome(started.verifier)
        page = await ctx.new_page()

        def seen(response: Response) -> None:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                outcome.pages.append(f"{response.status} {response.url}")
                outcome.status = response.status

        page.on("response", seen)
        await page.goto(started.url)
        async with page.expect_navigation():
            await page.get_by_role("link", name=f"Se connecter avec {oidc_provider.ENT_NAME}").click()
        assert page.url.startswith(op.url + "interaction/"), page.url
        if password is None:
            await oidc_provider.sign_in(page, person)
        else:
            await page.get_by_label("Identifiant").fill(person.login)
            await page.get_by_label("Mot de passe").fill(password)
            async with page.expect_navigation():
                await page.get_by_role("button", name="Se connecter").click()
        outcome.text = await page.content()
        outcome.loopback = got[0] if got else None
    return outcome


@pytest.mark.parametrize("person", [TEACHER, PUPIL, STAFF], ids=lambda p: p.login)
async def test_oidc_provider_login_maps_the_identity(
    op: oidc_provider.Running, sp_app: web.Application, sp_url: str, tokens: TokenService, person: Person
) -> None:
    outcome = await browser_login(sp_url, op, person)
    query = outcome.query()
    assert query["state"] == "client-state-1"
    status, body = await flows.redeem(sp_url, query["code"], outcome.verifier)
    assert status == 200, body
    identity, _sid = tokens.verify(body["access_token"])
    flows.assert_identity(identity, person, oidc_provider.ENT_ID)


async def test_oidc_provider_parent_is_refused_on_our_page(
    op: oidc_provider.Running, sp_app: web.Application, sp_url: str
) -> None:
    outcome = await browser_login(sp_url, op, PARENT)
    assert outcome.loopback is None
    assert outcome.status == 403, outcome.pages
    assert outcome.pages[-1].split(" ", 1)[1].startswith(f"{sp_url}/auth/oidc/{oidc_provider.ENT_ID}/callback")
    assert "parents" in outcome.text


async def test_oidc_provider_checks_the_password(
    op: oidc_provider.Running, sp_app: web.Application, sp_url: str
) -> None:
    outcome = await browser_login(sp_url, op, PUPIL, password="not-" + PUPIL.password)
    assert outcome.loopback is None
    assert outcome.status == 401
    assert outcome.pages[-1].split(" ", 1)[1].startswith(op.url + "interaction/")
    assert "Identifiant ou mot de passe incorrect" in outcome.text


async def test_oidc_provider_key_rotation(tmp_path: Path, sp_port: int, sp_url: str, tokens: TokenService) -> None:
    """The same issuer restarted with a new signing key (old one still published): our RP refetches the JWKS."""
    first = oidc_provider.start(tmp_path / "first", sp_url)
    try:
        async with login_server(first.ent, sp_port, sp_url, tokens) as app:
            client = app[LOGIN_SERVICE].oidc[oidc_provider.ENT_ID]
            outcome = await browser_login(sp_url, first, PUPIL)
            assert (await flows.redeem(sp_url, outcome.query()["code"], outcome.verifier))[0] == 200
            first.stop()
            new = oidc_provider.new_key()
            second = oidc_provider.start(tmp_path / "second", sp_url, port=first.port, keys=[new, *first.keys])
            try:
                assert second.url == first.url
                assert new["kid"] not in [k.kid for k in (await client.signing_keys()).keys]
                outcome = await browser_login(sp_url, second, PUPIL)
                status, body = await flows.redeem(sp_url, outcome.query()["code"], outcome.verifier)
                assert status == 200, body
                assert tokens.verify(body["access_token"])[0].display_name == PUPIL.display_name
                assert new["kid"] in [k.kid for k in (await client.signing_keys()).keys]
            finally:
                second.stop()
    finally:
        first.stop()
