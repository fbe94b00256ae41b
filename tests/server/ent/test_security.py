"""Attacks and failures: replays, foreign services, login CSRF, open redirects, PKCE, forged tokens,
hostile or slow ENTs, and secrets in logs."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from joserfc.jwk import OctKey

from cybercollege.server.auth.ent.config import CasConfig, OidcConfig
from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.core.identity import Identity, Role
from tests.idp import browser, lemonldap

from .conftest import start_server
from .fake_ent import CLIENT_ID, RESPONSES, FakeEnt
from .flows import LOOPBACK, desktop_login, post_json, redeem, start_url

# --- with the real IdP ---------------------------------------------------------------------------------


async def cas_callback_url(sp_url: str, b, ent: str = "llng-cas") -> str:
    """Log in on the IdP and stop just before our callback: the URL carries the ticket."""
    return await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/cas/{ent}/callback")


async def page(b, url: str) -> tuple[int, str]:
    async with await b.get(url) as resp:
        return resp.status, await resp.text()


async def test_replayed_callback_is_refused(sp, sp_url):
    b = browser.Browser("rtyler", ent="llng-cas")
    try:
        callback = await cas_callback_url(sp_url, b)
        status, _ = await page(b, callback)
        assert status == 302
        status, text = await page(b, callback)
        assert status == 400 and "a déjà servi" in text
    finally:
        await b.close()


async def test_ticket_for_another_service_is_refused(sp, sp_url):
    """A ticket issued for one service URL (state) is presented with another one."""
    b = browser.Browser("rtyler", ent="llng-cas")
    try:
        first = await cas_callback_url(sp_url, b)
        second = await cas_callback_url(sp_url, b)  # the IdP session is reused: a new ticket, new state
        ticket = browser.query_of(first)["ticket"]
        forged = second.split("&ticket=")[0] + "&" + urlencode({"ticket": ticket})
        status, text = await page(b, forged)
        assert status == 400 and "ticket refusé" in text
    finally:
        await b.close()


async def test_login_csrf_callback_in_another_browser_is_refused(sp, sp_url):
    attacker = browser.Browser("msmith", ent="llng-cas")
    victim = browser.Browser()
    try:
        callback = await cas_callback_url(sp_url, attacker)
        status, text = await page(victim, callback)
        assert status == 403 and "autre navigateur" in text
    finally:
        await attacker.close()
        await victim.close()


async def test_login_page_of_another_browser_is_refused(sp, sp_url):
    owner, other = browser.Browser(), browser.Browser()
    try:
        login_page = await owner.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/login")
        assert (await page(owner, login_page))[0] == 200
        status, _ = await page(other, login_page)
        assert status == 403
    finally:
        await owner.close()
        await other.close()


async def test_code_is_single_use_and_needs_the_verifier(sp, sp_url):
    got = await desktop_login(sp_url, "rtyler", "llng-cas")
    status, body = await redeem(sp_url, got["code"], pkce_pair()[0])
    assert status == 400 and body["error"] == "code_bad_verifier"
    status, body = await redeem(sp_url, got["code"], got["verifier"])  # burnt by the failed attempt
    assert status == 400 and body["error"] == "code_unknown"


async def test_refresh_rotates_and_reuse_ends_the_session(sp, sp_url, tokens, logouts):
    got = await desktop_login(sp_url, "dwho", "llng-oidc")
    _, first = await redeem(sp_url, got["code"], got["verifier"])
    status, second = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert status == 200 and second["refresh_token"] != first["refresh_token"]
    _identity, sid = tokens.verify(second["access_token"])
    status, body = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert status == 401 and body["error"] == "refresh_unknown"
    assert logouts.sids == [sid]
    status, _ = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert status == 401


async def test_client_logout_revokes_and_notifies(sp, sp_url, tokens, logouts):
    got = await desktop_login(sp_url, "rtyler", "llng-saml")
    _, body = await redeem(sp_url, got["code"], got["verifier"])
    _identity, sid = tokens.verify(body["access_token"])
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    status, _ = await post_json(f"{sp_url}/auth/logout", {}, headers=auth)
    assert status == 200 and logouts.sids == [sid]
    assert tokens.is_revoked(sid)


@pytest.mark.parametrize("ttl", [None, -10])
async def test_forged_or_expired_tokens_cannot_log_out(sp, sp_url, tokens, ttl):
    identity = Identity("x:1", "X", Role.PUPIL, "x")
    if ttl is None:
        token = tokens.issue(identity)[:-4] + "AAAA"
        expected = "token_invalid"
    else:
        token = tokens.issue(identity, ttl_seconds=ttl)
        expected = "token_expired"
    status, body = await post_json(f"{sp_url}/auth/logout", {}, headers={"Authorization": f"Bearer {token}"})
    assert status == 401 and body["error"] == expected


async def test_saml_response_cannot_be_replayed(sp, sp_url):
    """Post the same signed SAMLResponse twice: the request id was dropped after the first use."""
    b = browser.Browser("rtyler", ent="llng-saml")
    captured: list[dict] = []
    original = b._submit

    def spy(url, body):
        target, method, data = original(url, body)
        if "SAMLResponse" in data:
            captured.append(dict(data))
        return target, method, data

    b._submit = spy
    try:
        await b.run(start_url(sp_url).url, stop_at=LOOPBACK)
        async with b.session.post(
            f"{sp_url}/auth/saml/llng-saml/acs", data=captured[0], allow_redirects=False
        ) as again:
            assert again.status == 400
    finally:
        await b.close()


async def test_tampered_saml_response_is_refused(sp, sp_url):
    """The pupil turns herself into a teacher inside the signed response: the signature breaks."""
    b = browser.Browser("rtyler", ent="llng-saml")
    original = b._submit

    def tamper(url, body):
        target, method, data = original(url, body)
        if "SAMLResponse" in data:
            xml = base64.b64decode(data["SAMLResponse"]).replace(b"National_ELV", b"National_ENS")
            data["SAMLResponse"] = base64.b64encode(xml).decode()
        return target, method, data

    b._submit = tamper
    try:
        with pytest.raises(browser.BrowserError) as refused:
            await b.run(start_url(sp_url).url, stop_at=LOOPBACK)
    finally:
        await b.close()
    assert refused.value.status == 400 and "pas pu être vérifiée" in refused.value.body


# --- open redirects and missing PKCE ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/cb",
        "https://127.0.0.1:4000/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://127.0.0.1:4000@evil.example/cb",
        "http://evil.example\\@127.0.0.1:4000/cb",
        "http://localhost:4000/cb",
        "javascript:alert(1)",
        "//evil.example/cb",
        "http://127.0.0.1:99999/cb",
        "",
    ],
)
async def test_only_loopback_redirects_are_accepted(sp, sp_url, redirect_uri):
    _, challenge = pkce_pair()
    query = urlencode({"redirect_uri": redirect_uri, "code_challenge": challenge, "state": "s"})
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sp_url}/auth/desktop/start?{query}", allow_redirects=False) as resp,
    ):
        assert resp.status == 400
        assert "Location" not in resp.headers


@pytest.mark.parametrize(
    "redirect_uri", ["http://127.0.0.1:4000/cb", "http://[::1]:4000/cb", "http://127.0.0.1/"]
)
async def test_loopback_redirects_with_any_port_are_accepted(sp, sp_url, redirect_uri):
    _, challenge = pkce_pair()
    query = urlencode({"redirect_uri": redirect_uri, "code_challenge": challenge, "state": "s"})
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sp_url}/auth/desktop/start?{query}", allow_redirects=False) as resp,
    ):
        assert resp.status == 302 and resp.headers["Location"].startswith("/auth/login?req=")


@pytest.mark.parametrize(
    "params",
    [
        {"redirect_uri": LOOPBACK, "state": "s"},
        {"redirect_uri": LOOPBACK, "state": "s", "code_challenge": "short"},
        {
            "redirect_uri": LOOPBACK,
            "state": "s",
            "code_challenge": "a" * 43,
            "code_challenge_method": "plain",
        },
    ],
)
async def test_desktop_login_without_pkce_is_refused(sp, sp_url, params):
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sp_url}/auth/desktop/start?{urlencode(params)}", allow_redirects=False) as resp,
    ):
        assert resp.status == 400
        assert "relancez la connexion" in (await resp.text()).lower()


# --- a misbehaving ENT ---------------------------------------------------------------------------------


@pytest.fixture
async def fake():
    ent = FakeEnt()
    server = await start_server(ent.app)
    ent.url = str(server.make_url("")).rstrip("/")
    yield ent
    await server.close()


@pytest.fixture
async def fake_sp(fake, tokens, logouts):
    """Our server with the fake CAS (short timeout, small size limit) and the fake OIDC provider."""
    port = lemonldap.free_port()
    url = f"http://127.0.0.1:{port}"
    ents = [
        CasConfig(
            id="fake-cas",
            name="Faux CAS",
            protocol="cas",
            server_url=f"{fake.url}/cas",
            timeout_seconds=0.5,
            max_response_bytes=64 * 1024,
        ),
        CasConfig(id="down", name="ENT en panne", protocol="cas", server_url="http://127.0.0.1:9/cas"),
        OidcConfig(
            id="fake-oidc",
            name="Faux OIDC",
            protocol="oidc",
            issuer=fake.url + "/",
            client_id=CLIENT_ID,
            client_secret="s3cret",
            use_userinfo=False,
        ),
    ]
    app = web.Application()
    setup_ent(app, ents, tokens, public_url=url, demo=None, on_logout=logouts)
    server = await start_server(app, port)
    yield url
    await server.close()


HANG = 10.0
"""Seconds before our callback page counts as hung: 20 times the fake CAS's timeout (0.5 s)."""


async def fake_cas_page(sp_url: str) -> tuple[int, str]:
    b = browser.Browser(ent="fake-cas")
    try:
        callback = await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/cas/fake-cas/callback")
        try:
            return await asyncio.wait_for(page(b, callback), HANG)
        except TimeoutError:
            raise AssertionError(f"hung: no callback page after {HANG} s") from None
    finally:
        await b.close()


async def test_fake_cas_works_when_it_behaves(fake, fake_sp):
    status, _text = await fake_cas_page(fake_sp)
    assert status == 302


async def test_slow_ent_gives_a_clear_message_without_hanging(fake, fake_sp):
    fake.cas_answer = "slow"  # it answers after 30 s
    status, text = await fake_cas_page(fake_sp)
    assert status == 502 and "ne répond pas" in text
    assert fake.validations == 1 and fake.slow_answers == 0, "the page came while the ENT was still silent"


async def test_unreachable_ent_gives_a_clear_message(fake_sp):
    b = browser.Browser(ent="down")
    try:
        callback = f"{fake_sp}/auth/cas/down/callback"
        login = await b.run(start_url(fake_sp).url, stop_at="http://127.0.0.1:9/cas/login")
        service = browser.query_of(login)["service"]
        assert service.startswith(callback)
        status, text = await page(b, service + "&ticket=ST-1-x")
        assert status == 502 and "ne répond pas" in text
    finally:
        await b.close()


@pytest.mark.parametrize(
    "answer",
    [
        b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>" + b"x" * 200_000,
        (RESPONSES / "cas-entity-bomb.xml").read_bytes(),
        (RESPONSES / "cas-external-entity.xml").read_bytes(),
    ],
    ids=["oversized", "entity-bomb", "external-entity"],
)
async def test_hostile_cas_answers_are_refused(fake, fake_sp, answer):
    fake.cas_answer = answer
    status, text = await fake_cas_page(fake_sp)  # refused without hanging (bounded wait)
    assert status == 502 and "réessayez" in text.lower()


def _none_token(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


@pytest.mark.parametrize(
    "attack",
    [
        "wrong_nonce",
        "wrong_audience",
        "wrong_issuer",
        "expired",
        "no_sub",
        "alg_none",
        "alg_hs256",
        "other_key",
    ],
)
async def test_bad_id_tokens_are_refused(fake, fake_sp, attack):
    good = fake.good_claims
    changes = {
        "wrong_nonce": {"nonce": "not-the-nonce"},
        "wrong_audience": {"aud": "someone-else"},
        "wrong_issuer": {"iss": "https://evil.example/"},
        "expired": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        "no_sub": {"sub": None},
    }
    if attack in changes:
        fake.claims = lambda nonce: {
            k: v for k, v in {**good(nonce), **changes[attack]}.items() if v is not None
        }
    elif attack == "alg_none":
        fake.raw_id_token = _none_token(good("unused"))
    elif attack == "alg_hs256":
        fake.header, fake.sign_key = {"alg": "HS256", "kid": "fake-1"}, OctKey.generate_key(256)
    else:
        from joserfc.jwk import RSAKey

        fake.sign_key = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    b = browser.Browser(ent="fake-oidc")
    try:
        callback = await b.run(start_url(fake_sp).url, stop_at=f"{fake_sp}/auth/oidc/fake-oidc/callback")
        status, text = await page(b, callback)
    finally:
        await b.close()
    assert status == 400 and "pas pu être vérifiée" in text


async def test_good_id_token_is_accepted(fake, fake_sp, tokens):
    got = await desktop_login(fake_sp, "", "fake-oidc")
    _, body = await redeem(fake_sp, got["code"], got["verifier"])
    identity, _ = tokens.verify(body["access_token"])
    assert identity.user_id == "fake-oidc:J1" and identity.display_name == "Léa M."


# --- logs ----------------------------------------------------------------------------------------------


async def test_logs_name_users_and_failures_but_never_secrets(sp, sp_url, caplog):
    caplog.set_level(logging.DEBUG)
    started = start_url(sp_url)
    b = browser.Browser("rtyler", ent="llng-cas")
    try:
        callback = await b.run(started.url, stop_at=f"{sp_url}/auth/cas/llng-cas/callback")
        async with await b.get(callback) as answer:
            final = answer.headers["Location"]
        assert (await page(b, callback))[0] == 400  # a replay: a logged failure
    finally:
        await b.close()
    code = browser.query_of(final)["code"]
    _, first = await redeem(sp_url, code, started.verifier)
    _, second = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": first["refresh_token"]})
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await post_json(f"{sp_url}/auth/logout", {}, headers=bearer))[0] == 200
    assert (await redeem(sp_url, code, started.verifier))[0] == 400
    secrets = [
        browser.query_of(callback)["ticket"],
        browser.query_of(callback)["state"],
        code,
        started.verifier,
        first["access_token"],
        first["refresh_token"],
        second["access_token"],
        second["refresh_token"],
    ]
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "login ok source=llng-cas user=llng-cas:LLNG-RTYLER role=pupil" in text
    assert "login failed code=state_unknown" in text
    assert "request refused code=code_unknown" in text
    assert "logout reason=client_logout user=llng-cas:LLNG-RTYLER" in text
    for secret in secrets:
        assert secret not in text


async def test_odd_binding_cookie_is_replaced_not_a_crash(sp, sp_url):
    b = browser.Browser()
    b.session.cookie_jar.update_cookies({"cc_login": "é" * 32})
    try:
        login = await b.run(start_url(sp_url).url, stop_at=f"{sp_url}/auth/login")
        assert (await page(b, login))[0] == 200
    finally:
        await b.close()
