"""Nothing under ``/auth`` answers 500: every route, fed what a confused browser, a hostile client or a broken
ENT sends, answers a short page (or JSON) with a 4xx, or 502 when the ENT itself cannot be reached."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from cybercollege.server.auth.ent.config import OidcConfig
from cybercollege.server.auth.ent.routes import LOGIN_SERVICE, setup_ent
from tests.idp import browser, lemonldap

from .conftest import start_server
from .flows import start_url

QUERIES = [
    "",
    "?state=x&ticket=ST-1-abc",
    "?state=&code=abc",
    "?code=abc&state=" + "x" * 5000,
    "?error=access_denied&error_description=non&state=x",
    "?SAMLResponse=%%%&RelayState=x",
    "?SAMLRequest=abc&SigAlg=x&Signature=y",
    "?req=unknown&redirect_uri=http://127.0.0.1:1/cb&code_challenge=" + "a" * 43 + "&state=s",
    "?ent=../../etc&redirect_uri=http://127.0.0.1:1/cb&code_challenge=" + "a" * 43 + "&state=s",
]
BODIES: list[tuple[str, bytes]] = [
    ("application/x-www-form-urlencoded", b"SAMLResponse=PHg%2BPC94Pg%3D%3D&RelayState=x&logoutRequest=%3Cx%3E"),
    ("application/x-www-form-urlencoded", b"logout_token=a.b.c"),
    ("application/json", b'{"code": 1, "code_verifier": [], "refresh_token": {}}'),
    ("application/json", b"[1, 2"),
    ("application/octet-stream", bytes(range(256)) * 4),
]


def concrete_paths(app: web.Application) -> set[tuple[str, str]]:
    """``(method, path)`` of every route under /auth, ``{ent}`` replaced by each configured ENT and a stranger."""
    ents = [*app[LOGIN_SERVICE].ents, "nobody", "llng-cas"]
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/auth") and route.method in ("GET", "POST"):
            found |= {(route.method, path.replace("{ent}", ent)) for ent in ents}
    return found


async def test_no_route_under_auth_answers_500(sp, sp_url, caplog):
    paths = concrete_paths(sp)
    assert len(paths) > 40  # every protocol's routes, for every ENT
    answers: dict[int, int] = {}
    with caplog.at_level(logging.ERROR):
        async with aiohttp.ClientSession() as http:
            for method, path in sorted(paths):
                for query in QUERIES:
                    bodies = BODIES if method == "POST" else [("", b"")]
                    for content_type, body in bodies:
                        headers = {"Content-Type": content_type} if content_type else {}
                        async with http.request(
                            method, sp_url + path + query, data=body, headers=headers, allow_redirects=False
                        ) as answer:
                            await answer.read()
                            answers[answer.status] = answers.get(answer.status, 0) + 1
                            assert answer.status < 500 or answer.status == 502, (method, path, query, answer.status)
    assert not [r for r in caplog.records if r.name.startswith("aiohttp")], caplog.text  # no unhandled exception
    assert set(answers) <= {200, 302, 303, 400, 401, 403, 404, 405, 413, 502}, answers


async def test_an_unexpected_failure_is_a_page_not_a_traceback(sp, sp_url, monkeypatch, caplog):
    """A bug is logged with its traceback for us; the user gets a short French page."""
    service = sp[LOGIN_SERVICE]

    def broken(*_args, **_kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(service, "open_request", broken)
    b = browser.Browser()
    try:
        with caplog.at_level(logging.ERROR, logger="cybercollege.ent"):
            async with b.session.get(start_url(sp_url).url, allow_redirects=False) as answer:
                text = await answer.text()
    finally:
        await b.close()
    assert answer.status == 400 and '<html lang="fr">' in text and "simulated" not in text
    assert "code=internal_error" in caplog.text and "RuntimeError: simulated bug" in caplog.text


@pytest.fixture
async def lonely_sp(tokens, logouts):
    """Our server with an OpenID Connect ENT nobody answers for."""
    port = lemonldap.free_port()
    url = f"http://127.0.0.1:{port}"
    down = OidcConfig(
        id="oidc-down",
        name="ENT en panne",
        protocol="oidc",
        issuer="http://127.0.0.1:9/",
        client_id="c",
        client_secret="s",
        timeout_seconds=2,
    )
    app = web.Application()
    setup_ent(app, [down], tokens, public_url=url, demo=None, on_logout=logouts)
    server = await start_server(app, port)
    yield url
    await server.close()


async def test_unreachable_openid_discovery_is_explained(lonely_sp):
    b = browser.Browser(ent="oidc-down")
    try:
        with pytest.raises(browser.BrowserError) as failed:
            await b.run(start_url(lonely_sp).url, stop_at="http://127.0.0.1:9/")
    finally:
        await b.close()
    assert failed.value.status == 502 and "ne répond pas" in failed.value.body


@pytest.mark.parametrize("error", ["access_denied", "login_required", "server_error", "<script>"])
async def test_openid_error_responses_are_explained(sp, sp_url, error, caplog):
    b = browser.Browser(ent="llng-oidc")
    try:
        authorize = await b.run(start_url(sp_url).url, stop_at=lemonldap_url(sp))
        state = browser.query_of(authorize)["state"]
        query = urlencode({"error": error, "state": state})
        with caplog.at_level(logging.WARNING, logger="cybercollege.ent"):
            async with b.session.get(f"{sp_url}/auth/oidc/llng-oidc/callback?{query}") as answer:
                text = await answer.text()
    finally:
        await b.close()
    assert answer.status == 400 and "ENT" in text and "Recommencez" in text.replace("recommencez", "Recommencez")
    assert "<script>" not in text
    assert "code=oidc_" in caplog.text


def lemonldap_url(app: web.Application) -> str:
    ent = app[LOGIN_SERVICE].ents["llng-oidc"]
    assert isinstance(ent, OidcConfig)
    return ent.issuer
